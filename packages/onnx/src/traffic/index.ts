/** The memory-traffic model of leaky's ONNX graphs: bytes per neuron-step, read off the graph. */
export {
  chooseGpuGraph,
  type FusedWork,
  formatTraffic,
  fusedKernelBytes,
  type GpuGraphChoice,
  type LayerTraffic,
  layerTraffic,
  MIN_BYTES_PER_NEURON_STEP,
  predictedThroughput,
  type TrafficCase,
  type TrafficGraph,
} from './layer-traffic.js'
export { type GraphTraffic, graphTraffic, type NodeTraffic } from './traffic.js'
