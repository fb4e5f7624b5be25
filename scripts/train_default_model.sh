#!/usr/bin/env bash
# Reproduce the shipped default model from nothing, in one command, on CPU (or a GPU when there is
# one): phase 1 (config/cpu.yaml: normal and big trees), phase 2 (config/cpu_phase2.yaml from phase
# 1's last checkpoint), phase 3 (config/cpu_every_size.yaml from phase 2's: corpus v3 with a big and
# a huge form of every species and decorations, tall trees on 16x32x16 windows; stopped after 7 of
# its 24 epochs, as the shipped model's was) and phase 4 (config/cpu_phase4.yaml: 4 epochs on a new
# schedule), then export phase 4's EMA weights in 16 bits to sapling/data/model/default.pt.
# A phase that was stopped goes on where it stopped when the script is run again (its last.ckpt is
# resumed; a finished phase is skipped).
# Usage: bash scripts/train_default_model.sh [RUN_DIR]     (default RUN_DIR: runs/default)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
run="${1:-runs/default}"

last() {  # the newest last.ckpt of a phase's folder, or nothing
  ls -t "$run/$1"/lightning_logs/version_*/checkpoints/last.ckpt 2>/dev/null | head -1 | xargs -r realpath
}

phase() {  # phase NAME RECIPE [--init-from CKPT]
  local name="$1" recipe="$2"; shift 2
  mkdir -p "$run/$name"
  if [ -e "$run/$name/done" ]; then return; fi
  local resume; resume="$(last "$name")"
  if [ -n "$resume" ]; then
    (cd "$run/$name" && sapling train --config "$repo/config/$recipe" --resume "$resume")
  else
    (cd "$run/$name" && sapling train --config "$repo/config/$recipe" "$@")
  fi
  touch "$run/$name/done"
}

phase phase1 cpu.yaml
phase phase2 cpu_phase2.yaml --init-from "$(last phase1)"
phase phase3 cpu_every_size.yaml --init-from "$(last phase2)" --set stop_after_epochs=7
phase phase4 cpu_phase4.yaml --init-from "$(last phase3)"
python "$repo/scripts/export_model.py" "$(last phase4)" --out "$repo/sapling/data/model/default.pt"
