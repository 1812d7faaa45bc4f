/** The device-tree toolchain: parse DTS, read and write DTB, print DTS. Knows nothing of hypervisors. */
// Where the toolchain cannot load its optional parts on first use (an older Node), they load here (preload.ts).
import './preload.js';
export { compileData, compileFile, compileSource, isBlob, loadBlob, loadTree, needsPreprocessor, type CompileOptions, type CompileResult } from './compile.js';
export { toAsm, type AsmOptions } from './asm.js';
export { toYaml } from './yaml.js';
export { fromFs, FsTreeError } from './fstree.js';
export { preprocess, type PreprocessOptions, type PreprocessResult } from './cpp.js';
export { toBlob, fromBlob, BlobError, BLOB_VERSIONS, type BlobOptions, type BlobVersion } from './dtb.js';
export { toDts } from './print.js';
export { DiagnosticSink, formatPlain, type Diagnostic, type Severity } from './diagnostics.js';
export { hostFiles, memoryFiles, type FileReader } from './files.js';
export { Node, Property, Label, type DeviceTree, type ReserveEntry } from './tree.js';
export { PropValue, type Marker, type MarkerType } from './data.js';
export { getNodeByPath, getNodeByLabel, getNodeByRef } from './lookup.js';
export { checkNames, isCheckName, type Level } from './checks.js';
