#!/usr/bin/env node
// Patches tslab 1.0.22's converter so that a source file changing on disk while a cell runs does not break
// the next cell. tslab replaces TypeScript's debounce timer with a single slot and throws "Unexpected pending
// rebuildTimer" when a second update is scheduled before the first ran; a real setTimeout/clearTimeout
// pair would simply replace the pending update, which is what the patch does (the update it schedules,
// "rebuild the program", is idempotent). Runs at `npm install`/`npm ci` (postinstall); idempotent.
const fs = require("fs");
const path = require("path");

const file = process.env.VAELAB_TSLAB_CONVERTER || path.join(__dirname, "..", "node_modules", "tslab", "dist", "converter.js");
const MARK = "/* vaelab: pending rebuild replaced */";
const from = `        if (rebuildTimer) {
            throw new Error("Unexpected pending rebuildTimer");
        }`;
const to = `        ${MARK}`;
const fromClear = `        throw new Error("clearing unexpected tiemr");`;
const toClear = `        /* vaelab: clearing a timer that already ran is a no-op */`;

function main() {
  if (!fs.existsSync(file)) {
    console.log(`patch-tslab: ${file} not found; nothing to patch`);
    return 0;
  }
  let src = fs.readFileSync(file, "utf8");
  if (src.includes(MARK)) {
    console.log("patch-tslab: already patched");
    return 0;
  }
  if (!src.includes(from) || !src.includes(fromClear)) {
    console.error(`patch-tslab: ${file} does not contain the expected code (tslab version changed?); not patched`);
    return 1;
  }
  src = src.replace(from, to).replace(fromClear, toClear);
  fs.writeFileSync(file, src);
  console.log("patch-tslab: patched tslab's rebuild timer (a file changed during a cell no longer breaks the next cell)");
  return 0;
}

process.exit(main());
