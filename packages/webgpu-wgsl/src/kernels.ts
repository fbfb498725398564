/**
 * The WGSL kernels. The LI kernel is one invocation per neuron (of every batch row): it reads its
 * state once, walks the time slice with (v, i) in registers — x read once, v written once per step,
 * 8 bytes a neuron-step, the memory minimum — and writes the state back once. Norse's order of
 * operations, one float32 rounding per operation (the state is read from one buffer and written to
 * another, so a step never copies, nor changes, the state it starts from):
 *
 *     j = i + x;  v = v + a·((vLeak − v) + j);  i = j − b·j
 *
 * WGSL lets a compiler fuse a·b + c into an FMA (one rounding instead of two); test/ measures
 * whether the compiler at hand does, against core's js backend, bit for bit.
 */

/** Invocations per workgroup of the LI kernel. */
export const LI_WORKGROUP = 64

/** Side of the matmul tile (TILE × TILE invocations, TILE × TILE values of x and of W in shared memory). */
export const TILE = 16

/**
 * Uniforms of one LI dispatch, as u32 words: width (batch rows · N), parameter count (N, or 1 for
 * scalar parameters), steps in this slice, record (1: also write i), row stride of a 2-D dispatch.
 */
export const LI_UNIFORM_WORDS = 8

export const LI_KERNEL = /* wgsl */ `
struct Slice {
  width: u32,
  params: u32,
  steps: u32,
  record: u32,
  stride: u32,
}

@group(0) @binding(0) var<uniform> s: Slice;
@group(0) @binding(1) var<storage, read> coefficients: array<f32>; // [a | b | vLeak], each s.params long
@group(0) @binding(2) var<storage, read> x: array<f32>;            // [steps, width]
@group(0) @binding(3) var<storage, read> stateIn: array<f32>;      // [v | i], each width long
@group(0) @binding(6) var<storage, read_write> state: array<f32>;  // the state after the slice, same layout
@group(0) @binding(4) var<storage, read_write> voltages: array<f32>; // [steps, width]
@group(0) @binding(5) var<storage, read_write> currents: array<f32>; // [steps, width] when recording, else unused

@compute @workgroup_size(${LI_WORKGROUP})
fn main(@builtin(global_invocation_id) id: vec3u) {
  let k = id.x + id.y * s.stride;
  if (k >= s.width) {
    return;
  }
  let n = k % s.params;
  let a = coefficients[n];
  let b = coefficients[s.params + n];
  let leak = coefficients[2u * s.params + n];
  var v = stateIn[k];
  var i = stateIn[s.width + k];
  for (var t = 0u; t < s.steps; t = t + 1u) {
    let at = t * s.width + k;
    let j = i + x[at];
    v = v + a * ((leak - v) + j);
    i = j - b * j;
    voltages[at] = v;
    if (s.record != 0u) {
      currents[at] = i;
    }
  }
  state[k] = v;
  state[s.width + k] = i;
}
`

/** Uniforms of the projection: rows, inputs, neurons (u32 words, padded to 16 bytes). */
export const MATMUL_UNIFORM_WORDS = 4

/**
 * y = x·Wᵀ with W in torch's layout [neurons, inputs]: a tiled matmul, each workgroup a
 * TILE × TILE block of y, stepping over the inputs one TILE-wide slab of x and of W at a time
 * through workgroup memory. Each y value sums its inputs in order 0, 1, 2, … in float32.
 */
export const MATMUL_KERNEL = /* wgsl */ `
struct Dims {
  rows: u32,
  inputs: u32,
  neurons: u32,
}

@group(0) @binding(0) var<uniform> d: Dims;
@group(0) @binding(1) var<storage, read> x: array<f32>;       // [rows, inputs]
@group(0) @binding(2) var<storage, read> w: array<f32>;       // [neurons, inputs]
@group(0) @binding(3) var<storage, read_write> y: array<f32>; // [rows, neurons]

var<workgroup> xTile: array<array<f32, ${TILE}>, ${TILE}>;
var<workgroup> wTile: array<array<f32, ${TILE}>, ${TILE}>;

@compute @workgroup_size(${TILE}, ${TILE})
fn main(@builtin(workgroup_id) group: vec3u, @builtin(local_invocation_id) local: vec3u) {
  let row = group.y * ${TILE}u + local.y;
  let neuron = group.x * ${TILE}u + local.x;
  let loadNeuron = group.x * ${TILE}u + local.y;
  var sum = 0.0;
  for (var k0 = 0u; k0 < d.inputs; k0 = k0 + ${TILE}u) {
    let k = k0 + local.x;
    var xv = 0.0;
    if (row < d.rows && k < d.inputs) {
      xv = x[row * d.inputs + k];
    }
    var wv = 0.0;
    if (loadNeuron < d.neurons && k < d.inputs) {
      wv = w[loadNeuron * d.inputs + k];
    }
    xTile[local.y][local.x] = xv;
    wTile[local.y][local.x] = wv;
    workgroupBarrier();
    let count = min(${TILE}u, d.inputs - k0);
    for (var kk = 0u; kk < count; kk = kk + 1u) {
      sum = sum + xTile[local.y][kk] * wTile[local.x][kk];
    }
    workgroupBarrier();
  }
  if (row < d.rows && neuron < d.neurons) {
    y[row * d.neurons + neuron] = sum;
  }
}
`
