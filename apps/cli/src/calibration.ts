import type { Calibration } from '@leaky/core'
import {
  type CalibrationFile,
  type CalibrationLoad,
  calibrationPath,
  loadCalibration as loadFile,
  readCalibration as readFile,
  writeCalibration as writeFile,
} from '@leaky/core/node'

export { calibrationPath }

/** The onnxruntime builds the CLI runs are the ones its own backend packages resolve. */
const FROM = { resolveFrom: [import.meta.url] }

/** Reads the calibration file (the figures, or why they are ignored); installs nothing. */
export function readCalibration(path = calibrationPath()): CalibrationLoad {
  return readFile(path, FROM)
}

/**
 * Installs the calibration for `auto` at startup. A broken file: one warning line, built-in figures.
 * One from another machine is ignored quietly here; `leaky backends --explain` says why.
 */
export function loadCalibration(path = calibrationPath()): CalibrationLoad {
  const loaded = loadFile(path, FROM)
  if (loaded.ignored && !loaded.ignored.includes('another machine'))
    process.stderr.write(`leaky: ignoring the calibration (${loaded.ignored}); rerun leaky bench\n`)
  return loaded
}

/** Writes atomically, with this machine's fingerprint, keeping other backends' figures from here. */
export function writeCalibration(next: Calibration, path = calibrationPath()): CalibrationFile {
  return writeFile(next, path, FROM)
}
