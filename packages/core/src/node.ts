/**
 * @leaky/core/node: the Node-only part of core (file system): loading the calibration `leaky bench`
 * wrote, so `auto` in a program ranks backends by what was measured on this machine.
 */
export {
  CALIBRATION_SCHEMA_VERSION,
  type CalibrationFile,
  type CalibrationLoad,
  calibrationPath,
  type FingerprintOptions,
  fingerprintMismatch,
  loadCalibration,
  type MachineFingerprint,
  machineFingerprint,
  readCalibration,
  writeCalibration,
} from './calibration/file.js'
