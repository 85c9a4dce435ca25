"""Time and peak memory of ``textclean.clean`` on hostile inputs, each in a fresh process.

    .venv/bin/python benchmarks/hostile.py                 # full size (several minutes, ~5 GB peak)
    .venv/bin/python benchmarks/hostile.py --scale 0.01    # quick look
    .venv/bin/python benchmarks/hostile.py --only single-line --linear --no-offtopic

Cases (sizes at --scale 1; the text is the project's own made-up news story
and spam lines, see tests/test_robustness.py):

    single-line     100 MB of UTF-8 in one line (sentences, no line break)
    million-lines   1 000 000 lines, one sentence each
    all-spam        10 MB, every line a gambling link line
    repeated-brand  10 MB, one line: a sentence, one brand pasted over and over, a sentence
    punct-line      10 MB of 。！？…… in one line
    punct-lines     10 MB of "-" and blank lines (catastrophic for ^\\s* rules before)

Each case runs in a child process: import and warm up on a small page, build
the input, then clean it once. The table shows input size, time, throughput,
peak RSS of the child and its growth over the baseline after warm-up and
input (the memory ``clean`` itself needed, as bytes per input byte).
``--linear`` also runs every case at a tenth of the size and prints the time
and memory ratios (10 means linear). Timings are noisy on a shared machine.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CASES = {
    "single-line": 100,
    "million-lines": None,  # sized by line count
    "all-spam": 10,
    "repeated-brand": 10,
    "punct-line": 10,
    "punct-lines": 10,
}
MILLION = 1_000_000

_CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, {tests!r})
from test_robustness import SPAM_LINES, STORY
import textclean

name, scale, options = sys.argv[1], float(sys.argv[2]), json.loads(sys.argv[3])
mb = {sizes!r}[name]

def fill(unit, target_bytes):
    reps = max(1, int(target_bytes // len(unit.encode("utf-8"))))
    return unit * reps

target = (mb or 0) * scale * 1_000_000
textclean.clean("- 金沙彩乐园网址 城市夜跑活动\n" + "\n".join(STORY))  # load rules, models, tables
if name == "single-line":
    text = fill("".join(STORY), target)
elif name == "million-lines":
    n = int({million} * scale)
    text = "\n".join(STORY[i % len(STORY)] for i in range(n)) + "\n"
elif name == "all-spam":
    text = fill("\n".join(SPAM_LINES) + "\n", target)
elif name == "repeated-brand":
    text = STORY[0] + fill("迪士尼彩乐园", target) + STORY[1]
elif name == "punct-line":
    text = fill("。！？……", target)
else:
    text = fill("-\n\n -\n", target)
def high_water_kb():
    # VmHWM is this program's own peak; ru_maxrss also counts what the child
    # inherited from this script at fork, before exec
    try:
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
base = high_water_kb()
t0 = time.perf_counter()
out = textclean.clean(text, **options)
seconds = time.perf_counter() - t0
peak = high_water_kb()
print(json.dumps({{"bytes": len(text.encode("utf-8")), "chars": len(text), "lines": text.count("\n") + 1,
                  "seconds": seconds, "base_kb": base, "peak_kb": peak, "out_chars": len(out)}}))
"""


def run_case(name: str, scale: float, options: dict) -> dict:
    code = _CHILD.format(tests=str(ROOT / "tests"), sizes=CASES, million=MILLION)
    argv = [sys.executable, "-c", code, name, str(scale), json.dumps(options)]
    proc = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit {proc.returncode}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _row(name: str, r: dict) -> str:
    if "error" in r:
        return f"{name:<15} FAILED: {r['error']}"
    mb = r["bytes"] / 1e6
    growth = (r["peak_kb"] - r["base_kb"]) * 1024
    return (
        f"{name:<15} {mb:>8.1f} {r['lines']:>9} {r['seconds']:>8.1f} {mb / max(r['seconds'], 1e-9):>6.2f} "
        f"{r['peak_kb'] * 1024 / 1e6:>8.0f} {growth / 1e6:>8.0f} {growth / r['bytes']:>6.1f} {r['out_chars']:>11}"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0, help="input size factor (default 1: full size)")
    ap.add_argument("--only", default="", help="comma-separated case names")
    ap.add_argument("--linear", action="store_true", help="also run at a tenth of the size and print ratios")
    ap.add_argument("--no-offtopic", action="store_true", help="clean(offtopic=False): skip the coherence scorer")
    ap.add_argument("--no-model", action="store_true", help="clean(use_model=False): rules only")
    args = ap.parse_args(argv)
    # the engine's own bounds: without the Config.max_chars cap, which would
    # refuse the 100 MB cases before any work
    options: dict = {"max_chars": None}
    if args.no_offtopic:
        options["offtopic"] = False
    if args.no_model:
        options["use_model"] = False
    names = [n for n in CASES if not args.only or n in args.only.split(",")]
    print(f"scale {args.scale}; options {options or 'default'}; MB = 10^6 bytes of UTF-8 input; RSS in MB (10^6 bytes); grow/B = RSS growth per input byte")
    print(f"{'case':<15} {'MB':>8} {'lines':>9} {'seconds':>8} {'MB/s':>6} {'peakRSS':>8} {'growth':>8} {'grow/B':>6} {'out chars':>11}")
    failed = False
    for name in names:
        t0 = time.perf_counter()
        r = run_case(name, args.scale, options)
        print(_row(name, r), flush=True)
        failed |= "error" in r
        if args.linear and "error" not in r:
            small = run_case(name, args.scale / 10, options)
            if "error" in small:
                print(f"{'':<15} tenth size FAILED: {small['error']}")
                continue
            t_ratio = r["seconds"] / max(small["seconds"], 1e-9)
            m_ratio = (r["peak_kb"] - r["base_kb"]) / max(small["peak_kb"] - small["base_kb"], 1)
            print(f"{'':<15} tenth size {small['seconds']:.2f} s; time x{t_ratio:.1f}, memory growth x{m_ratio:.1f} for x10 input")
        print(f"{'':<15} (wall {time.perf_counter() - t0:.0f} s with process start and input building)", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
