// Import first in a webgpu test file: on a machine without a GPU it points Dawn at chromium's SwiftShader (a CPU
// Vulkan driver), as CI needs. It must run before Dawn loads, which reads the variable once; a machine that names
// its own driver keeps it.
import { existsSync } from "fs";
import { SWIFTSHADER_ICD } from "../../lib/engine/webgpu";

if (!process.env.VK_ICD_FILENAMES && !process.env.VK_DRIVER_FILES && existsSync(SWIFTSHADER_ICD))
  process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;

export { SWIFTSHADER_ICD };
