// The bundle's stand-in for the `webgpu` package (scripts/build-gpu-bundle.sh aliases it): that package's index.js
// finds dawn.node from import.meta.url, which a CommonJS bundle does not have; here dawn.node sits beside the bundle.
// (index.js also patches GPUDevice.destroy to unmap buffers; tfjs never destroys its device during a run.)
module.exports = require("./dawn.node");
