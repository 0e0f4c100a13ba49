#!/usr/bin/env bash
# The GPU benchmark, on a Linux x86-64 machine with an NVIDIA GPU, without network or Node.js packages.
# Prepare the folder first, where the repository is installed: node bench/gpu/bundle.mjs [--trainer] (see bench/README.md).
# Usage, from the repository root: bash bench/gpu/run.sh [CARRY=.devcarry] [OUTDIR=$OUT or bench/results/gpu]
# Writes OUTDIR/log.txt (everything) and OUTDIR/results.jsonl (one RESULT line per configuration).
set -u
C=$(cd "${1:-.devcarry}" && pwd)
O=${2:-${OUT:-bench/results/gpu}}
mkdir -p "$O"
LOG=$O/log.txt
: >"$LOG"
: >"$O/results.jsonl"
say() { echo "== $*" | tee -a "$LOG"; }
unxz() { xz -dc "$1" >"$2" 2>/dev/null || python3 -c 'import lzma,sys; open(sys.argv[2],"wb").write(lzma.open(sys.argv[1]).read())' "$1" "$2"; }

# The Vulkan loader (Dawn reaches the GPU through it) and the NVIDIA driver's Vulkan ICD.
# (the loader and the GL dispatch libraries that NVIDIA's Vulkan driver links to), unpacked into / only
# where no loader is installed (a bare GPU machine; this overwrites system files, so never elsewhere).
if [ -d "$C/debs" ] && ! ldconfig -p | grep -q 'libvulkan.so.1 '; then
  for f in "$C"/debs/*.deb; do dpkg -x "$f" /; done
  ldconfig
fi
for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json; do
  if [ -f "$icd" ]; then export VK_DRIVER_FILES=$icd; break; fi
done
# The bundles and native addons travel compressed (bundle.mjs); Node.js is unpacked below if needed.
find "$C" -name '*.xz' ! -name node.xz | while read -r f; do [ -f "${f%.xz}" ] || unxz "$f" "${f%.xz}"; done
NODE=$(command -v node || true)
if [ -z "$NODE" ] || ! "$NODE" -v | grep -q '^v2[0-9]'; then
  NODE=/tmp/agcl-node
  [ -x "$NODE" ] || { unxz "$C/node.xz" "$NODE" && chmod +x "$NODE"; }
fi
say "node $("$NODE" -v), $(nproc) cores, VK_DRIVER_FILES=${VK_DRIVER_FILES:-unset}"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | tee -a "$LOG"
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.cuda.is_available())' 2>&1 | tee -a "$LOG"

# run NAME TIMEOUT_S COMMAND...: output to the log, the RESULT line (tagged with NAME) to results.jsonl.
run() {
  local name=$1 limit=$2
  shift 2
  say "$name: $*"
  local t0=$SECONDS
  timeout "$limit" "$@" >"$O/.out" 2>&1
  local rc=$?
  grep -v '^RESULT ' "$O/.out" | tail -n 40 >>"$LOG"
  grep '^RESULT ' "$O/.out" | sed "s/^RESULT {/{\"name\":\"$name\",\"exit\":$rc,\"runSeconds\":$((SECONDS - t0)),/" >>"$O/results.jsonl"
  grep '^RESULT ' "$O/.out" | cut -c1-400 >>"$LOG"
  say "$name: exit $rc after $((SECONDS - t0)) s"
  rm -f "$O/.out"
}

SECTIONS=${SECTIONS:-gpu flags trainer cpu}
if [[ " $SECTIONS " == *" gpu "* ]]; then
  # 1. Does the webgpu backend train the same network as cpu? 2. Its speed against PyTorch on the same GPU.
  run parity-webgpu 180 "$NODE" "$C/backend-parity.mjs" --backend webgpu
  run tfjs-webgpu 180 "$NODE" "$C/train-step.mjs" --backend webgpu --steps 20 --warmup 3
  run pytorch-cuda 120 python3 bench/torch_unet.py --device cuda --steps 20 --warmup 3
  run semi-webgpu-4+4 180 "$NODE" "$C/semi-step.mjs" --backend webgpu --labeled 4 --unlabeled 4 --steps 10 --warmup 2
  run semi-webgpu-8+8 180 "$NODE" "$C/semi-step.mjs" --backend webgpu --labeled 8 --unlabeled 8 --steps 5 --warmup 2
fi
if [[ " $SECTIONS " == *" flags "* ]]; then
  # Where the webgpu step's time goes: host-side time per kernel (dispatch, not GPU time), and two flags.
  run tfjs-webgpu-profile 180 "$NODE" "$C/train-step.mjs" --backend webgpu --steps 5 --warmup 2 --profile
  run tfjs-webgpu-no-cpu-forward 180 "$NODE" "$C/train-step.mjs" --backend webgpu --steps 10 --warmup 3 --flags '{"WEBGPU_CPU_FORWARD":false}'
  run tfjs-webgpu-submit-64 180 "$NODE" "$C/train-step.mjs" --backend webgpu --steps 10 --warmup 3 --flags '{"WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE":64}'
fi
if [[ " $SECTIONS " == *" trainer "* ]] && [ -f "$C/agcl.mjs" ]; then
  # The agcl command line end to end (default data: the cardiac phantoms; Semi-AGCL): webgpu with the
  # main job's 240 steps, without VK_DRIVER_FILES (initBackend finds the driver itself), then wasm for its speed.
  run agcl-webgpu "${TRAINER_LIMIT:-240}" env -u VK_DRIVER_FILES "$NODE" "$C/agcl.mjs" train --backend webgpu --steps "${TRAINER_STEPS:-240}" --out /tmp/agcl-webgpu
  run agcl-wasm "${TRAINER_LIMIT:-240}" "$NODE" "$C/agcl.mjs" train --backend wasm --steps "${TRAINER_WASM_STEPS:-40}" --val-every 1000 --out /tmp/agcl-wasm
  for b in webgpu wasm; do
    [ -f "/tmp/agcl-$b/summary.json" ] && { echo "summary ($b):"; cat "/tmp/agcl-$b/summary.json"; echo; } >>"$LOG"
  done
fi
if [[ " $SECTIONS " == *" cpu "* ]]; then
  # 3. The same machine's CPU: wasm threads against PyTorch threads.
  for t in ${CPU_THREADS:-1 8}; do
    run "tfjs-wasm-$t" 180 "$NODE" "$C/train-step.mjs" --backend wasm --threads "$t" --steps 4 --warmup 1
    run "pytorch-cpu-$t" 120 python3 bench/torch_unet.py --device cpu --threads "$t" --steps 4 --warmup 1
  done
fi
say done
