#!/usr/bin/python3
"""Safepoint benchmark harness (driven by bench/run.sh; see docs/performance.md).

Builds every benchmark in three configurations, runs them interleaved, and
writes results.json, results.md and PNG plots:

  plain    clang++-19, no plugin (the baseline)
  naive    the plugin with -fplugin-arg-safepoint-placement=naive
  default  the plugin with its default placement

Times are compared per round: each round runs plain, naive, default back to
back (the order rotates from round to round), so slow phases of a shared
machine hit all three alike. A ratio is the median over rounds of
time(config) / time(plain) in the same round; its spread is the min..max of
the per-round ratios. A ratio whose spread contains 1.0 is "within noise" and
counts as 1.0 in the noise-clamped geomean. The best-of-N ratio compares the
fastest round of each configuration: a shared machine only ever adds time
(preemption, a neighbour's cache traffic), so the minimum of a deterministic
program is its steadiest estimate.
"""

import argparse
import datetime
import json
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
CONFIGS = ["plain", "naive", "default"]
OPT = ["-O2", "-g0"]
REMARK_FLAGS = ["-Rpass=loop-vectorize|safepoint", "-Rpass-analysis=safepoint"]

VEC_RE = re.compile(r"^(\S+?):(\d+):(\d+): remark: vectorized loop", re.M)
POLL_RE = re.compile(r"remark: (?:poll|.*\bpoll (?:at|placed))[^\n]*\[-Rpass=safepoint\]")
# The plugin's -Rpass-analysis=safepoint remark (plugin/lib/Pass/PollDistance.cpp):
#   poll-free path in '<function>': at most <N> instructions
#   poll-free path in '<function>': unbounded (...)
# and its bound for a rotated recursion (RecursionRotation.cpp):
#   poll-free path in '<function>' over its recursion: at most <N> instructions
DIST_RE = re.compile(
    r"poll-free path in '(.*?)'(?: over its recursion)?: "
    r"(?:at most (\d+) instructions|(unbounded))")


def log(msg):
    print(f"==> {msg}", flush=True)


def run_timed(cmd, cwd=None, env=None, stdout=None, stderr=None):
    """Runs cmd; returns (returncode, wall seconds, CPU seconds of the whole
    process tree that was waited for: user + sys)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=stdout, stderr=stderr)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    return p.returncode, wall, ru.ru_utime + ru.ru_stime


def text_bytes(paths):
    """Sum of all .text* sections of the given ELF objects or executables."""
    total = 0
    for chunk in range(0, len(paths), 200):
        out = subprocess.run(["size", "-A"] + paths[chunk:chunk + 200],
                             capture_output=True, text=True).stdout
        for line in out.splitlines():
            f = line.split()
            if len(f) >= 2 and f[0].startswith(".text") and f[1].isdigit():
                total += int(f[1])
    return total


ANSI_RE = re.compile(r"\x1b\[[0-9;]*m")


def parse_remarks(text):
    text = ANSI_RE.sub("", text)  # some builds force -fdiagnostics-color
    vec = sorted({f"{os.path.basename(m.group(1))}:{m.group(2)}:{m.group(3)}"
                  for m in VEC_RE.finditer(text)})
    polls = len(POLL_RE.findall(text))
    found = DIST_RE.findall(text)
    dists = [(int(n), fn) for fn, n, unb in found if not unb]
    unbounded = sorted({fn for fn, n, unb in found if unb})
    best = max(dists) if dists else None
    return {
        "vectorized": len(vec),
        "vectorized_locs": vec,
        "polls_placed": polls,
        "max_poll_distance": best[0] if best else None,
        "max_poll_distance_fn": best[1] if best else None,
        "poll_distance_remarks": len(found),
        "unbounded_poll_distance_fns": unbounded,
    }


def pct(sorted_vals, p):
    if not sorted_vals:
        return None
    i = min(len(sorted_vals) - 1, int(p * (len(sorted_vals) - 1) + 0.5))
    return sorted_vals[i]


def latency_stats(vals):
    """The statistics the micro-kernel driver prints, of ns values."""
    if not vals:
        return None
    v = sorted(vals)
    return {"n": len(v), "p50": pct(v, 0.5), "p99": pct(v, 0.99),
            "p999": pct(v, 0.999), "max": v[-1]}


# A latency sample whose thread spent more than this off the CPU is
# "preempted" (the driver's threshold, bench/micro/driver/driver.cpp).
PREEMPTED_NS = 20_000


def geomean(vals):
    vals = [v for v in vals if v and v > 0]
    if not vals:
        return None
    return math.exp(sum(math.log(v) for v in vals) / len(vals))


class Harness:
    def __init__(self, args):
        self.a = args
        self.out = os.path.abspath(args.out)
        self.work = os.path.abspath(args.work)
        self.spc = os.path.join(os.path.abspath(args.safepoint_build), "bin",
                                "safepoint-config")
        cfg = lambda opt: subprocess.run([self.spc, opt], capture_output=True,
                                         text=True, check=True).stdout.split()
        self.cxx = cfg("--cxx")[0]
        self.sp_cxxflags = cfg("--cxxflags")
        self.sp_ldflags = cfg("--ldflags")
        self.configs = ["plain", "default"] + (["naive"] if args.naive else [])
        self.configs = [c for c in CONFIGS if c in self.configs]
        # Ablations (micro-kernels only): the default placement without one
        # technique, named no-<technique>[+<technique>...] (SAFEPOINT_ABLATE).
        self.configs += ["no-" + t for t in args.ablation.split(",") if t]
        # Variants (micro-kernels only): the default placement with more
        # flags, NAME=FLAGS (e.g. tls-le=-fplugin-arg-safepoint-tls=local-exec).
        self.variants = dict(v.split("=", 1) for v in args.variant)
        self.configs += list(self.variants)
        self.results = {}
        self.probe_obj = None
        os.makedirs(self.out, exist_ok=True)
        os.makedirs(os.path.join(self.out, "logs"), exist_ok=True)

    # ---- configurations -------------------------------------------------
    def extra(self, config):
        """An ablation or a variant: micro-kernels only, built like default."""
        return config.startswith("no-") or config in self.variants

    def cflags(self, config):
        if config == "plain":
            return ["-DBENCH_PLAIN"]
        flags = list(self.sp_cxxflags)
        if config == "naive":
            flags.append("-fplugin-arg-safepoint-placement=naive")
        flags += self.variants.get(config, "").split()
        return flags

    def compile_env(self, config):
        env = dict(os.environ)
        env.pop("SAFEPOINT_ABLATE", None)
        if config.startswith("no-"):
            env["SAFEPOINT_ABLATE"] = config[3:].replace("+", ",")
        return env

    def ldflags(self, config):
        return [] if config == "plain" else list(self.sp_ldflags)

    def wrapper(self, config):
        return os.path.join(BENCH, "wrappers", f"clang++-{config}")

    # ---- micro-kernels --------------------------------------------------
    def micro_names(self):
        names = sorted(f[:-4] for f in os.listdir(os.path.join(BENCH, "micro"))
                       if f.endswith(".cpp"))
        if self.a.kernels:
            names = [n for n in names if n in self.a.kernels.split(",")]
        return names

    def build_driver(self, bdir):
        """driver/driver.cpp per configuration and the unwind hook (never
        instrumented); not part of any measurement."""
        drv = os.path.join(BENCH, "micro", "driver")
        objs = {}
        hook = os.path.join(bdir, "unwind_hook.o")
        subprocess.run([self.cxx, "-std=c++20"] + OPT + ["-Wall", "-Wextra", "-c",
                        os.path.join(drv, "unwind_hook.cpp"), "-o", hook],
                       check=True)
        for config in self.configs:
            if self.extra(config):
                objs[config] = objs["default"]
                continue
            o = os.path.join(bdir, f"driver.{config}.o")
            subprocess.run([self.cxx, "-std=c++20"] + OPT + ["-Wall", "-Wextra"]
                           + self.cflags(config) +
                           ["-c", os.path.join(drv, "driver.cpp"), "-o", o],
                           check=True)
            objs[config] = [o] if config == "plain" else [o, hook]
        return objs

    def build_micro(self):
        bdir = os.path.join(self.work, "micro")
        os.makedirs(bdir, exist_ok=True)
        driver = self.build_driver(bdir)
        for name in self.micro_names():
            src = os.path.join(BENCH, "micro", name + ".cpp")
            entry = self.results.setdefault(name, {"suite": "micro",
                                                   "configs": {}})
            cpu = {c: [] for c in self.configs}
            remarks = {}
            for rep in range(self.a.compile_reps):
                for config in self.configs:  # interleaved
                    obj = os.path.join(bdir, f"{name}.{config}.o")
                    logf = os.path.join(self.out, "logs",
                                        f"micro-{name}-{config}.compile.log")
                    cmd = ([self.cxx, "-std=c++20"] + OPT +
                           ["-Wall", "-Wextra"] + self.cflags(config) +
                           REMARK_FLAGS + ["-c", src, "-o", obj])
                    with open(logf, "w") as lf:
                        rc, _, c = run_timed(cmd, stderr=lf,
                                             env=self.compile_env(config))
                    if rc != 0:
                        sys.exit(f"compile failed: {' '.join(cmd)} (see {logf})")
                    cpu[config].append(c)
                    if rep == 0:
                        remarks[config] = parse_remarks(open(logf).read())
            for config in self.configs:
                obj = os.path.join(bdir, f"{name}.{config}.o")
                exe = os.path.join(bdir, f"{name}.{config}")
                extra = [] if config == "plain" else [
                    "-Wl,--export-dynamic-symbol=_Unwind_RaiseException"]
                subprocess.run([self.cxx, obj] + driver[config] + ["-o", exe]
                               + extra + self.ldflags(config) + ["-pthread"],
                               check=True)
                c = entry["configs"].setdefault(config, {})
                c["exe"] = exe
                c["compile_cpu_s"] = statistics.median(cpu[config])
                c["text_bytes"] = text_bytes([obj])
                c.update(remarks[config])
            log(f"built micro/{name}: " + ", ".join(
                f"{c} {entry['configs'][c]['compile_cpu_s']:.2f}s "
                f"{entry['configs'][c]['text_bytes']}B "
                f"vec={entry['configs'][c]['vectorized']}" for c in self.configs))

    def run_micro_once(self, name, config):
        exe = self.results[name]["configs"][config]["exe"]
        p = subprocess.run([exe, "--reps", str(self.a.inner_reps)],
                           capture_output=True, text=True)
        if p.returncode != 0:
            sys.exit(f"{exe} failed: {p.stderr}")
        d = json.loads(p.stdout.strip().splitlines()[-1])
        return d["time_ns"] / 1e9, d["checksum"]

    def count_micro(self, name):
        """Instructions of exactly one run of the kernel, counted by callgrind
        (bench_count_region in driver.cpp): deterministic, so one count per
        configuration is enough and a shared machine cannot disturb it."""
        for config in self.configs:
            c = self.results[name]["configs"][config]
            logf = os.path.join(self.out, "logs",
                                f"count-{name}-{config}.callgrind.log")
            # valgrind 3.19 cannot read clang's DWARF 5 (the runtime has
            # -g): count a copy without debug information (symbols kept).
            exe = c["exe"] + ".nodebug"
            subprocess.run(["objcopy", "--strip-debug", c["exe"], exe],
                           check=True)
            cmd = ["valgrind", "--tool=callgrind", "--collect-atstart=no",
                   "--toggle-collect=bench_count_region",
                   "--callgrind-out-file=/dev/null", exe, "--count"]
            with open(logf, "w") as lf:
                p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=lf,
                                   text=True, timeout=3600)
            m = re.search(r"Collected : (\d+)", open(logf).read())
            if p.returncode != 0 or not m:
                log(f"count {name}/{config}: FAILED (see {logf})")
                continue
            c["instructions"] = int(m.group(1))
            # One run of the kernel, where a timed process runs several:
            # compared only with the other configurations' counted runs.
            c["count_checksum"] = json.loads(
                p.stdout.strip().splitlines()[-1])["checksum"]
        cs = self.results[name]["configs"]
        log(f"instructions {name}: " + ", ".join(
            f"{k} {cs[k].get('instructions', 0) / 1e6:.1f} M" for k in self.configs))

    def latency_micro(self, name):
        for config in self.configs:
            if config not in ("naive", "default"):
                continue
            c = self.results[name]["configs"][config]
            samples = os.path.join(self.out, "logs",
                                   f"latency-{name}-{config}.txt")
            spin = ["--spin-sender"] if self.a.spin_sender else []
            if self.a.premade_exception:
                spin.append("--premade")
            p = subprocess.run([c["exe"], "--latency", str(self.a.interrupts),
                                "--out", samples] + spin, capture_output=True,
                               text=True, timeout=600)
            if p.returncode != 0:
                c["latency_error"] = p.stderr.strip()
                log(f"latency {name}/{config}: FAILED {p.stderr.strip()}")
                continue
            c["latency_ns"] = json.loads(p.stdout.strip().splitlines()[-1])[
                "latency_ns"]
            c["latency_samples_file"] = os.path.relpath(samples, self.out)
            l = c["latency_ns"]
            t = l["to_throw"] or l["to_catch"]
            log(f"latency {name}/{config}: to throw p50 {t['p50']/1e3:.1f} us, "
                f"p99 {t['p99']/1e3:.1f} us, p99.9 {t['p999']/1e3:.1f} us, "
                f"max {t['max']/1e3:.1f} us; to catch p99 "
                f"{l['to_catch']['p99']/1e3:.1f} us; {l['preempted']} of "
                f"{l['n']} preempted")

    # ---- real programs --------------------------------------------------
    def real_names(self):
        names = sorted(f[:-3] for f in os.listdir(os.path.join(BENCH, "real"))
                       if f.endswith(".sh") and f != "common.sh")
        if self.a.programs:
            names = [n for n in names if n in self.a.programs.split(",")]
        return names

    def recipe_env(self, config):
        env = dict(os.environ)
        env.update({
            "CXX": self.wrapper(config), "CC": "clang-19",
            "SAFEPOINT_CONFIG": self.spc, "JOBS": str(os.cpu_count() or 2),
            "BENCH_QUICK": "1" if self.a.quick else "0",
            "BENCH_REMARK_LOG": "",
        })
        env.pop("SAFEPOINT_BENCH_PROBE", None)
        if config != "plain" and self.probe_obj:
            env["BENCH_PROBE_OBJ"] = self.probe_obj
        return env

    def build_probe(self):
        """bench/probe/latency_probe.cpp, never instrumented: linked into the
        naive and default executables of the real programs, inert unless
        SAFEPOINT_BENCH_PROBE is set (latency_real)."""
        bdir = os.path.join(self.work, "probe")
        os.makedirs(bdir, exist_ok=True)
        obj = os.path.join(bdir, "latency_probe.o")
        inc = subprocess.run([self.spc, "--includedir"], capture_output=True,
                             text=True, check=True).stdout.strip()
        subprocess.run([self.cxx, "-std=c++20", "-fPIC", "-Wall", "-Wextra"] +
                       OPT + ["-I", inc, "-c",
                              os.path.join(BENCH, "probe", "latency_probe.cpp"),
                              "-o", obj], check=True)
        self.probe_obj = obj

    def recipe(self, name, *args, config="plain", log_name=None, timed=False,
               extra_env=None):
        cmd = ["bash", os.path.join(BENCH, "real", name + ".sh")] + list(args)
        env = self.recipe_env(config)
        env.update(extra_env or {})
        logf = os.path.join(self.out, "logs", (log_name or
                                               f"real-{name}-{args[0]}-{config}") + ".log")
        if timed:
            env["BENCH_REMARK_LOG"] = logf + ".remarks"
            if os.path.exists(env["BENCH_REMARK_LOG"]):
                os.unlink(env["BENCH_REMARK_LOG"])
        with open(logf, "w") as lf:
            rc, wall, cpu = run_timed(cmd, env=env, stdout=lf,
                                      stderr=subprocess.STDOUT)
        return rc, wall, cpu, logf

    def build_real(self):
        ok = []
        if len(self.configs) > 1 and not self.a.no_latency:
            self.build_probe()
        for name in self.real_names():
            src = os.path.join(self.work, "real", name)
            rc, _, _, logf = self.recipe(name, "fetch", src)
            if rc != 0:
                log(f"real/{name}: fetch failed, skipped (see {logf})")
                self.results[name] = {"suite": "real", "error": "fetch failed",
                                      "configs": {}}
                continue
            entry = self.results.setdefault(name, {"suite": "real",
                                                   "configs": {}})
            good = True
            for config in self.configs:
                if self.extra(config):
                    continue  # ablations and variants: micro-kernels only
                bdir = os.path.join(self.work, "real", f"{name}.{config}")
                if os.path.isdir(bdir):
                    shutil.rmtree(bdir)
                rc, _, _, logf = self.recipe(name, "configure", src, bdir,
                                             config=config)
                if rc == 0:
                    rc, wall, cpu, logf = self.recipe(name, "build", bdir,
                                                      config=config,
                                                      timed=True)
                if rc != 0:
                    log(f"real/{name}: {config} build failed, skipped "
                        f"(see {logf})")
                    entry["error"] = f"{config} build failed (see {logf})"
                    good = False
                    break
                remarks = ""
                if os.path.exists(logf + ".remarks"):
                    remarks = open(logf + ".remarks", errors="replace").read()
                objs = []
                for d, _, files in os.walk(bdir):
                    objs += [os.path.join(d, f) for f in files
                             if f.endswith(".o")]
                c = entry["configs"].setdefault(config, {})
                c["build_dir"] = bdir
                c["compile_cpu_s"] = cpu
                c["compile_wall_s"] = wall
                c["text_bytes"] = text_bytes(objs)
                c["objects"] = len(objs)
                c.update(parse_remarks(remarks))
                log(f"built real/{name} ({config}): {cpu:.1f} s CPU, "
                    f"{c['text_bytes']} B text in {len(objs)} objects, "
                    f"vec={c['vectorized']}, polls={c['polls_placed']}")
            if good:
                ok.append(name)
        return ok

    def run_real_once(self, name, config, rnd):
        bdir = self.results[name]["configs"][config]["build_dir"]
        rc, wall, _, logf = self.recipe(name, "run", bdir, config=config,
                                        log_name=f"real-{name}-run-{config}-{rnd}")
        if rc != 0:
            sys.exit(f"real/{name} ({config}) run failed, see {logf}")
        t = None
        for line in open(logf, errors="replace"):
            if line.startswith("BENCH_TIME "):
                t = float(line.split()[1])
        return (t if t is not None else wall), None

    def latency_real(self, name):
        """One more run of the benchmark per instrumented build, with the
        latency probe on: handshakes to the thread that is computing."""
        for config in self.configs:
            if config not in ("naive", "default"):
                continue
            c = self.results[name]["configs"].get(config)
            if not c or "build_dir" not in c:
                continue
            samples = os.path.join(self.out, "logs",
                                   f"latency-real-{name}-{config}.txt")
            if os.path.exists(samples):
                os.unlink(samples)
            rc, _, _, logf = self.recipe(
                name, "run", c["build_dir"], config=config,
                log_name=f"real-{name}-latency-{config}",
                extra_env={"SAFEPOINT_BENCH_PROBE": samples})
            if rc != 0 or not os.path.exists(samples):
                c["latency_error"] = f"probe run failed (see {logf})"
                log(f"latency real/{name}/{config}: FAILED, see {logf}")
                continue
            lat, quiet, counts = [], [], {"processes": 0, "idle": 0,
                                          "unfinished": 0, "exited": 0,
                                          "targets": 0}
            procs = []  # per process: executable, slow samples
            for line in open(samples):
                if line.startswith("# exe="):
                    counts["processes"] += 1
                    procs.append({"exe": line.split()[1][4:], "slow": []})
                    for kv in line.split()[2:]:
                        k, _, v = kv.partition("=")
                        if k in counts:
                            counts[k] += int(v)
                    continue
                if line.startswith("@ "):
                    f = line.split()
                    procs[-1]["slow"].append(
                        (int(f[1]), [tuple(a.rsplit(":", 1)) for a in f[2:]]))
                    continue
                t, off = (int(x) for x in line.split())
                lat.append(t)
                if off <= PREEMPTED_NS:
                    quiet.append(t)
            c["latency_ns"] = dict(
                counts, n=len(lat), preempted=len(lat) - len(quiet),
                to_poll=latency_stats(lat),
                to_poll_not_preempted=latency_stats(quiet))
            c["slow_poll_sites"] = self.slow_poll_sites(procs)
            c["latency_samples_file"] = os.path.relpath(samples, self.out)
            t = c["latency_ns"]["to_poll"] or {}
            q = c["latency_ns"]["to_poll_not_preempted"] or {}
            log(f"latency real/{name}/{config}: {len(lat)} handshakes in "
                f"{counts['processes']} processes, to the poll p50 "
                f"{(t.get('p50') or 0)/1e3:.1f} us, p99 "
                f"{(t.get('p99') or 0)/1e3:.1f} us, p99.9 "
                f"{(t.get('p999') or 0)/1e3:.1f} us, max "
                f"{(t.get('max') or 0)/1e3:.1f} us; p99 quiet "
                f"{(q.get('p99') or 0)/1e3:.1f} us; "
                f"{len(lat) - len(quiet)} preempted")

    def slow_poll_sites(self, procs, top=4):
        """Where the slow handshakes ran (more than 20 µs on the CPU): the
        function whose poll ran it, and its caller, from the call stacks the
        probe kept; the most frequent first."""
        symbolizer = os.path.join(os.path.dirname(os.path.realpath(self.cxx)),
                                  "llvm-symbolizer")
        if not os.path.exists(symbolizer):
            return []
        seen = {(o, a) for p in procs for _, st in p["slow"] for o, a in st}
        name = {}
        for obj in {o for o, _ in seen if os.path.isfile(o)}:
            offs = sorted(a for o, a in seen if o == obj)
            out = subprocess.run(
                [symbolizer, "--obj=" + obj, "--functions=linkage",
                 "--no-inlines"] +  # the call before each return address:
                [hex(int(a, 16) - 1) for a in offs],
                capture_output=True, text=True).stdout
            for a, b in zip(offs, out.strip().split("\n\n")):
                name[(obj, a)] = function_name(b.splitlines()[0]) if b else "??"
        sites = {}
        for p in procs:
            for latency, stack in p["slow"]:
                frames = [name.get(f, "??") for f in stack]
                # Above the last runtime entry point (a poll's slow path, or
                # a wait wrapper): the program's own frames.
                ends = [i for i, f in enumerate(frames)
                        if f.startswith("__safepoint_")]
                if not ends:
                    continue
                key = " <- ".join(frames[ends[-1] + 1:ends[-1] + 3])
                sites.setdefault(key, []).append(latency)
        ranked = sorted(sites.items(), key=lambda kv: -len(kv[1]))[:top]
        return [{"site": k, "count": len(v),
                 "p50_ns": latency_stats(v)["p50"],
                 "max_ns": max(v)} for k, v in ranked]

    # ---- the interleaved rounds -----------------------------------------
    def rounds(self, names, runner):
        for rnd in range(self.a.reps):
            order = self.configs[rnd % len(self.configs):] + \
                self.configs[:rnd % len(self.configs)]
            for name in names:
                for config in order:
                    if config not in self.results[name]["configs"]:
                        continue  # e.g. an ablation of a real program
                    t, checksum = runner(name, config, rnd)
                    c = self.results[name]["configs"][config]
                    c.setdefault("times_s", []).append(t)
                    if checksum is not None:
                        c.setdefault("checksums", set()).add(checksum)
            log(f"round {rnd + 1}/{self.a.reps} done ({len(names)} benchmarks)")

    # ---- statistics -----------------------------------------------------
    def analyse(self):
        summary = {}
        for name, e in self.results.items():
            cs = e["configs"]
            if "plain" not in cs:
                continue
            timed = "times_s" in cs["plain"]
            if not timed and "instructions" not in cs["plain"]:
                continue
            sums = set()
            for config, c in cs.items():
                if "checksums" in c:
                    sums |= set(c["checksums"])
                    c["checksums"] = sorted(c["checksums"])
                if "times_s" not in c:
                    continue
                t = sorted(c["times_s"])
                c["median_s"] = statistics.median(t)
                c["min_s"], c["max_s"] = t[0], t[-1]
                c["spread_pct"] = 100.0 * (t[-1] - t[0]) / c["median_s"]
            counted = {c["count_checksum"] for c in cs.values()
                       if "count_checksum" in c}
            e["checksums_agree"] = len(sums) <= 1 and len(counted) <= 1
            base = cs["plain"]
            e["ratios"] = {}
            for config in self.configs:
                if config == "plain" or config not in cs:
                    continue
                c = cs[config]
                r = {"time": None, "time_min": None, "time_max": None,
                     "within_noise": True, "time_best": None}
                if timed and "times_s" in c:
                    per = sorted(a / b for a, b in
                                 zip(c["times_s"], base["times_s"]))
                    r.update({"time": statistics.median(per),
                              "time_min": per[0], "time_max": per[-1],
                              "within_noise": per[0] <= 1.0 <= per[-1],
                              "time_best": (min(c["times_s"]) /
                                            min(base["times_s"]))})
                r.update({
                    "text": (c["text_bytes"] / base["text_bytes"]
                             if base.get("text_bytes") else None),
                    "instructions": (c["instructions"] / base["instructions"]
                                     if base.get("instructions") and
                                     c.get("instructions") else None),
                    "compile": (c["compile_cpu_s"] / base["compile_cpu_s"]
                                if base.get("compile_cpu_s") else None),
                    "vectorized_lost": sorted(set(base.get("vectorized_locs", []))
                                              - set(c.get("vectorized_locs", []))),
                })
                e["ratios"][config] = r
        for config in self.configs:
            if config == "plain":
                continue
            for suite in ("all", "micro", "real"):
                rs = [(n, e["ratios"][config]) for n, e in self.results.items()
                      if config in e.get("ratios", {}) and
                      (suite == "all" or e["suite"] == suite)]
                if not rs:
                    continue
                timed = [(n, r) for n, r in rs if r["time"] is not None]
                worst = max(timed, key=lambda x: x[1]["time"],
                            default=(None, {"time": None}))
                worst_best = max(timed, key=lambda x: x[1]["time_best"],
                                 default=(None, {"time_best": None}))
                lat = [first_latency(e["configs"][config]["latency_ns"])
                       for n, e in rs_entries(self.results, config, suite)
                       if "latency_ns" in e["configs"].get(config, {})]
                lat = [l for l in lat if l]
                summary.setdefault(config, {})[suite] = {
                    "benchmarks": len(rs),
                    "geomean_time": geomean([r["time"] for _, r in rs]),
                    "geomean_time_noise_clamped": geomean(
                        [1.0 if r["within_noise"] else r["time"]
                         for _, r in timed]),
                    "median_time": (statistics.median(r["time"] for _, r in timed)
                                    if timed else None),
                    "worst_time": worst[1]["time"], "worst_benchmark": worst[0],
                    "geomean_time_best": geomean(
                        [r["time_best"] for _, r in timed]),
                    "worst_time_best": worst_best[1]["time_best"],
                    "worst_best_benchmark": worst_best[0],
                    "geomean_text": geomean([r["text"] for _, r in rs]),
                    "geomean_compile": geomean([r["compile"] for _, r in rs]),
                    "geomean_instructions": geomean(
                        [r.get("instructions") for _, r in rs]),
                    "worst_instructions": max(
                        ((r["instructions"], n) for n, r in rs
                         if r.get("instructions")), default=(None, None)),
                    "vectorized_lost": sum(len(r["vectorized_lost"]) for _, r in rs),
                    "worst_latency_p99_ns": max((l["p99"] for l in lat), default=None),
                    "worst_latency_max_ns": max((l["max"] for l in lat), default=None),
                    "max_poll_distance": max(
                        (e["configs"][config].get("max_poll_distance") or 0
                         for n, e in rs_entries(self.results, config, suite)),
                        default=0) or None,
                    "unbounded_poll_distance_fns": sum(
                        len(e["configs"][config].get("unbounded_poll_distance_fns", []))
                        for n, e in rs_entries(self.results, config, suite)),
                    "poll_distance_remarks": sum(
                        e["configs"][config].get("poll_distance_remarks", 0)
                        for n, e in rs_entries(self.results, config, suite)),
                }
        return summary

    # ---- output ---------------------------------------------------------
    def write(self, summary, meta):
        for e in self.results.values():
            for c in e["configs"].values():
                if isinstance(c.get("checksums"), set):
                    c["checksums"] = sorted(c["checksums"])
        data = {"meta": meta, "summary": summary, "benchmarks": self.results}
        with open(os.path.join(self.out, "results.json"), "w") as f:
            json.dump(data, f, indent=2, sort_keys=False)
        with open(os.path.join(self.out, "results.md"), "w") as f:
            f.write(render_markdown(data))
        try:
            plots(data, self.out)
        except Exception as ex:  # plots are a convenience, never fatal
            log(f"plots failed: {ex}")


def function_name(sym):
    """A demangled symbol without its parameter list (and qualifiers), which
    may itself contain parentheses: `ns::(anonymous namespace)::f`."""
    sym = sym.strip()
    for q in (" const", " volatile", " &&", " &"):
        if sym.endswith(q):
            sym = sym[:-len(q)]
    if not sym.endswith(")"):
        return sym
    depth = 0
    for i in range(len(sym) - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(sym[i], 0)
        if depth == 0:
            return sym[:i]
    return sym


def first_latency(l):
    """The headline latency statistics of a benchmark: to throw (micro),
    to catch when the throw was not timestamped, to the poll (real)."""
    return l.get("to_throw") or l.get("to_catch") or l.get("to_poll")


def rs_entries(results, config, suite):
    return [(n, e) for n, e in results.items()
            if config in e.get("ratios", {}) and
            (suite == "all" or e["suite"] == suite)]


def fmt_ratio(r, key="time"):
    if r is None or r.get(key) is None:
        return "n/a"
    s = f"{r[key]:.3f}"
    if key == "time":
        s += f" [{r['time_min']:.3f}–{r['time_max']:.3f}]"
        if r["within_noise"]:
            s += " ~"
        if r.get("time_best") is not None:
            s += f"; best {r['time_best']:.3f}"
    return s


def fmt_instr(r):
    if r is None or r.get("instructions") is None:
        return "n/a"
    return f"{r['instructions']:.4f}"


def fmt_dist(c):
    """The largest static poll-free distance the plugin reported (n/a when
    it emitted no -Rpass-analysis=safepoint distance remark)."""
    if not c.get("poll_distance_remarks"):
        return "n/a"
    s = ""
    if c.get("max_poll_distance") is not None:
        fn = c.get("max_poll_distance_fn")
        s = f"{c['max_poll_distance']}" + (f" (`{fn[:40]}`)" if fn else "")
    unb = c.get("unbounded_poll_distance_fns")
    if unb:  # a list per benchmark, a count in the summary
        s += (" + " if s else "") + \
            f"{unb if isinstance(unb, int) else len(unb)} unbounded"
    return s


def fmt_ns(v):
    if v is None:
        return "n/a"
    return f"{v / 1000:.1f}" if v < 10_000_000 else f"{v / 1e6:.0f} ms"


def render_markdown(data):
    meta, summary, res = data["meta"], data["summary"], data["benchmarks"]
    cfgs = [c for c in meta["configs"] if c != "plain"]
    L = []
    L.append(f"# Safepoint benchmark results ({meta['date']})\n")
    L.append(f"Command: `{meta['command']}`  ")
    L.append(f"Host: {meta['host']}, {meta['nproc']} CPUs, load average "
             f"{meta['loadavg_start']} at start, {meta['loadavg_end']} at end; "
             f"duration {meta['duration_s'] / 60:.1f} min.  ")
    L.append(f"Compiler: {meta['compiler']}; flags `{' '.join(OPT)}`; "
             f"Safepoint build {meta['safepoint_build']} "
             f"(source revision {meta['git_revision']}).  ")
    L.append(f"Rounds: {meta['reps']} (interleaved, order rotated per round); "
             f"micro-kernels time {meta['inner_reps']} in-process runs per "
             f"process and report their median.  ")
    if meta.get("force_exceptions"):
        L.append("Real programs: the plugin leaves `-fno-exceptions` code "
                 "uninstrumented, so `-fexceptions` was appended to every "
                 "compile of the real programs, in all three configurations.  ")
    if not meta["naive_supported"]:
        L.append("**naive placement unavailable**: the plugin rejected "
                 "`-fplugin-arg-safepoint-placement=naive`; only plain and "
                 "default were built.  ")
    L.append("\nRatios are time(config)/time(plain), median over rounds of the "
             "per-round ratio, with the min–max of the per-round ratios in "
             "brackets; `~` marks a ratio whose range contains 1.000 (within "
             "noise). The noise-clamped geomean counts those as 1.000. "
             "**best of N**: the fastest round of the configuration over the "
             "fastest round of plain (a shared machine only adds time, so "
             "the minimum is the steadiest estimate of a deterministic "
             "program).\n")

    L.append("## Summary\n")
    L.append("| config | suite | n | geomean time | geomean (noise-clamped) | "
             "median | worst | geomean best of N | worst best of N | "
             "code size (geomean) | compile time (geomean) | "
             "loops no longer vectorized | worst p99 latency to throw (µs) | "
             "max poll distance |")
    L.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for c in cfgs:
        for suite, s in summary.get(c, {}).items():
            f3 = lambda v: "n/a" if v is None else f"{v:.3f}"
            L.append(f"| {c} | {suite} | {s['benchmarks']} | "
                     f"{f3(s['geomean_time'])} | "
                     f"{f3(s['geomean_time_noise_clamped'])} | "
                     f"{f3(s['median_time'])} | "
                     f"{f3(s['worst_time'])} ({s['worst_benchmark']}) | "
                     f"{f3(s.get('geomean_time_best'))} | "
                     f"{f3(s.get('worst_time_best'))} "
                     f"({s.get('worst_best_benchmark')}) | "
                     f"{s['geomean_text']:.3f} | "
                     f"{s['geomean_compile']:.3f} | {s['vectorized_lost']} | "
                     f"{fmt_ns(s['worst_latency_p99_ns'])} | "
                     f"{fmt_dist(s)} |")

    if any(s.get("geomean_instructions") for c in cfgs
           for s in summary.get(c, {}).values()):
        L.append("\n## Instructions (deterministic)\n")
        L.append("Instructions of exactly one run of each micro-kernel, "
                 "counted by `valgrind --tool=callgrind` (driver `--count`); "
                 "the same on every run, whatever the load of the machine. "
                 "Ratio: instructions(config)/instructions(plain). An "
                 "instruction ratio is not a time ratio (a vectorized loop "
                 "runs fewer, wider instructions; a poll's load and branch are "
                 "cheap ones), but it is the noise-free signal of where polls "
                 "cost.\n")
        L.append("| config | geomean | worst |")
        L.append("|---|---|---|")
        for c in cfgs:
            s = summary.get(c, {}).get("micro")
            if s and s.get("geomean_instructions"):
                w, wn = s["worst_instructions"]
                L.append(f"| {c} | {s['geomean_instructions']:.4f} | "
                         f"{w:.4f} ({wn}) |")
        L.append("")
        L.append("| benchmark | plain (M instructions) | " +
                 " | ".join(f"{c} ratio" for c in cfgs) + " |")
        L.append("|---|---|" + "---|" * len(cfgs))
        for n, e in res.items():
            if "ratios" not in e or not e["configs"]["plain"].get("instructions"):
                continue
            L.append(f"| {n} | {e['configs']['plain']['instructions'] / 1e6:.1f} | " +
                     " | ".join(fmt_instr(e["ratios"].get(c)) for c in cfgs) + " |")

    L.append("\n## Run time\n")
    L.append("| benchmark | suite | plain median (s) | plain spread | " +
             " | ".join(f"{c} ratio [range]" for c in cfgs) + " | checksums |")
    L.append("|---|---|---|---|" + "---|" * len(cfgs) + "---|")
    for n, e in res.items():
        if "error" in e and "ratios" not in e:
            L.append(f"| {n} | {e['suite']} | {e['error']} |")
            continue
        if "ratios" not in e or "median_s" not in e["configs"]["plain"]:
            continue
        p = e["configs"]["plain"]
        L.append(f"| {n} | {e['suite']} | {p['median_s']:.4g} | "
                 f"±{p['spread_pct'] / 2:.1f} % | " +
                 " | ".join(fmt_ratio(e["ratios"].get(c)) for c in cfgs) +
                 f" | {'agree' if e.get('checksums_agree', True) else 'DIFFER'} |")

    L.append("\n## Code size, compile time, vectorization, polls\n")
    L.append("Code size: `.text*` sections of the benchmark's own objects "
             "(the runtime library is not counted). Compile time: CPU time "
             "(user+sys) of the compiler processes. Vectorized: distinct loop "
             "locations reported by `-Rpass=loop-vectorize`. Polls: "
             "`-Rpass=safepoint` poll remarks. Max poll distance: the largest "
             "`poll-free path ... at most N instructions` from "
             "`-Rpass-analysis=safepoint`, with the function it is in, and how "
             "many functions the plugin reported as unbounded (n/a: this "
             "plugin build emits no such remark).\n")
    L.append("| benchmark | text plain (B) | " +
             " | ".join(f"text {c}" for c in cfgs) + " | " +
             " | ".join(f"compile {c}" for c in cfgs) +
             " | vectorized plain | " +
             " | ".join(f"vectorized {c} (lost)" for c in cfgs) + " | " +
             " | ".join(f"polls {c}" for c in cfgs) + " | " +
             " | ".join(f"max poll distance {c}" for c in cfgs) + " |")
    L.append("|---|---|" + "---|" * (5 * len(cfgs) + 1))
    for n, e in res.items():
        if "ratios" not in e:
            continue
        cs = e["configs"]
        rt = e["ratios"]
        row = [n, str(cs["plain"]["text_bytes"])]
        row += [fmt_ratio(rt.get(c), "text") for c in cfgs]
        row += [fmt_ratio(rt.get(c), "compile") for c in cfgs]
        row += [str(cs["plain"]["vectorized"])]
        row += [f"{cs[c]['vectorized']} ({len(rt[c]['vectorized_lost'])})"
                if c in rt else "n/a" for c in cfgs]
        row += [str(cs[c]["polls_placed"]) if c in rt else "n/a" for c in cfgs]
        row += [fmt_dist(cs[c]) if c in rt else "n/a" for c in cfgs]
        L.append("| " + " | ".join(row) + " |")
    lost = [(n, c, e["ratios"][c]["vectorized_lost"]) for n, e in res.items()
            for c in cfgs if c in e.get("ratios", {}) and
            e["ratios"][c]["vectorized_lost"]]
    if lost:
        L.append("\nLoops vectorized in plain but not in an instrumented build:\n")
        for n, c, locs in lost:
            L.append(f"* {n} ({c}): {', '.join(locs)}")

    L.append("\n## Delivery latency (µs)\n")
    L.append("Measured in the instrumented micro-kernels: a worker thread runs "
             "the kernel in a loop, the main thread interrupts it "
             f"{meta['interrupts']} times (0–400 µs after each restart"
             + ("; it spins in between, `--spin-sender`" if
                meta.get("spin_sender") else "; it sleeps in between")
             + ("; the exception is made before the pause and sent with "
                "`interrupt(handle, exception_ptr)`, as an alarm sends it, "
                "`--premade-exception`" if meta.get("premade_exception")
                else "")
             + "). "
             "**to throw**: from just before `safepoint::interrupt()` to the "
             "runtime entering `_Unwind_RaiseException` (the poll was reached "
             "and the slow path threw; timestamped by an interposed "
             "`_Unwind_RaiseException`). **to catch**: to the first statement "
             "of the worker's `catch`, which adds the unwinder's search and "
             "every destructor on the way (e.g. freeing a whole `std::map`). "
             "**preempted**: samples whose worker was off the CPU for more "
             "than 20 µs between the kernel's restart and the catch (the "
             "scheduler of a shared machine, not Safepoint); **p99 quiet** "
             "excludes them. **floor**: p50 of a self-interrupt delivered by "
             "an explicit `safepoint::poll()` (the throw itself). The plain "
             "build has no polls and cannot be interrupted; the real programs "
             "are measured below.\n")
    L.append("| benchmark | config | to throw p50 | p99 | p99.9 | max | "
             "p99 quiet | to catch p50 | to catch p99 | preempted | floor p50 |")
    L.append("|---|---|---|---|---|---|---|---|---|---|---|")
    for n, e in res.items():
        if e["suite"] != "micro" or "configs" not in e:
            continue
        for c in cfgs:
            if c not in ("naive", "default"):
                continue
            cc = e["configs"].get(c, {})
            l = cc.get("latency_ns")
            if not l:
                L.append(f"| {n} | {c} | {cc.get('latency_error', 'n/a')[:60]} |")
                continue
            t = l["to_throw"] or {}
            q = l.get("to_throw_not_preempted") or {}
            f = l.get("self_floor") or {}
            L.append(f"| {n} | {c} | {fmt_ns(t.get('p50'))} | "
                     f"{fmt_ns(t.get('p99'))} | {fmt_ns(t.get('p999'))} | "
                     f"{fmt_ns(t.get('max'))} | {fmt_ns(q.get('p99'))} | "
                     f"{fmt_ns(l['to_catch']['p50'])} | "
                     f"{fmt_ns(l['to_catch']['p99'])} | "
                     f"{l['preempted']}/{l['n']} | {fmt_ns(f.get('p50'))} |")
    real = [(n, c, e["configs"][c]) for n, e in res.items()
            if e["suite"] == "real" for c in cfgs
            if c in ("naive", "default") and
            ("latency_ns" in e["configs"].get(c, {}) or
             "latency_error" in e["configs"].get(c, {}))]
    if real:
        L.append("\n### In the real programs\n")
        L.append("One more run of each instrumented build with "
                 "`SAFEPOINT_BENCH_PROBE` set: the latency probe "
                 "(`bench/probe/latency_probe.cpp`, linked in, inert otherwise) "
                 "enrolls every thread the program starts, sleeps 0–400 µs, "
                 "picks the thread that used the most CPU since its previous "
                 "sample and sends it a handshake (`safepoint::run_on`), "
                 "delivered at the same polls as an interrupt. **to the "
                 "poll**: from just before `run_on()` to the handshake "
                 "running in the target, so no throw: the programs do not "
                 "catch interrupts. **preempted**, **p99 quiet**: as above. "
                 "**idle**: samples skipped because no enrolled thread had "
                 "run. **threads**: threads that ran at least one "
                 "handshake, summed over the processes.\n")
        L.append("| program | config | handshakes | to the poll p50 | p99 | "
                 "p99.9 | max | p99 quiet | preempted | idle | processes | "
                 "threads |")
        L.append("|---|---|---|---|---|---|---|---|---|---|---|---|")
        for n, c, cc in real:
            l = cc.get("latency_ns")
            if not l:
                L.append(f"| {n} | {c} | {cc['latency_error'][:60]} |")
                continue
            t = l["to_poll"] or {}
            q = l["to_poll_not_preempted"] or {}
            L.append(f"| {n} | {c} | {l['n']} | {fmt_ns(t.get('p50'))} | "
                     f"{fmt_ns(t.get('p99'))} | {fmt_ns(t.get('p999'))} | "
                     f"{fmt_ns(t.get('max'))} | {fmt_ns(q.get('p99'))} | "
                     f"{l['preempted']}/{l['n']} | {l['idle']} | "
                     f"{l['processes']} | {l.get('targets', 'n/a')} |")
        sites = [(n, c, s) for n, c, cc in real
                 for s in cc.get("slow_poll_sites", [])]
        if sites:
            L.append("\nWhere the slow handshakes ran (more than 20 µs after "
                     "the request, the thread on the CPU), from the call "
                     "stacks the probe keeps: the function whose poll ran "
                     "the handshake, and its caller. The stretch before that "
                     "poll was longer than the rest: a system call, "
                     "uninstrumented library code, or a poll-free loop.\n")
            L.append("| program | config | samples | p50 | max | "
                     "poll in <- called from |")
            L.append("|---|---|---|---|---|---|")
            for n, c, s in sites:
                L.append(f"| {n} | {c} | {s['count']} | "
                         f"{fmt_ns(s['p50_ns'])} | {fmt_ns(s['max_ns'])} | "
                         f"`{s['site']}` |")
    L.append("")
    return "\n".join(L)


def plots(data, out):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    res = data["benchmarks"]
    cfgs = [c for c in data["meta"]["configs"] if c != "plain"]
    names = [n for n, e in res.items() if "ratios" in e and
             all(r.get("time") is not None for r in e["ratios"].values())]
    colors = {"naive": "tab:orange", "default": "tab:blue"}
    if names:
        fig, ax = plt.subplots(figsize=(max(8, 0.6 * len(names)), 5))
        w = 0.8 / len(cfgs)
        for i, c in enumerate(cfgs):
            if any(c not in res[n]["ratios"] for n in names):
                continue
            med = [res[n]["ratios"][c]["time"] for n in names]
            lo = [m - res[n]["ratios"][c]["time_min"] for n, m in zip(names, med)]
            hi = [res[n]["ratios"][c]["time_max"] - m for n, m in zip(names, med)]
            xs = [j + (i - (len(cfgs) - 1) / 2) * w for j in range(len(names))]
            ax.bar(xs, [m - 1 for m in med], w, bottom=1, yerr=[lo, hi],
                   capsize=2, label=c, color=colors.get(c))
        ax.axhline(1.0, color="black", lw=0.8)
        ax.axhline(1.01, color="green", ls="--", lw=0.8, label="1 % (goal: geomean)")
        ax.axhline(1.05, color="red", ls="--", lw=0.8, label="5 % (goal: worst)")
        ax.set_xticks(range(len(names)))
        ax.set_xticklabels(names, rotation=45, ha="right")
        ax.set_ylabel("time / plain (median, min–max over rounds)")
        ax.set_title("Run-time overhead of polls")
        ax.legend()
        fig.tight_layout()
        fig.savefig(os.path.join(out, "overhead.png"), dpi=110)
        plt.close(fig)

        fig, axs = plt.subplots(1, 2, figsize=(max(10, 0.9 * len(names)), 4.5))
        for ax, key, title in ((axs[0], "text", "code size / plain"),
                               (axs[1], "compile", "compile CPU time / plain")):
            for i, c in enumerate(cfgs):
                if any(c not in res[n]["ratios"] for n in names):
                    continue
                xs = [j + (i - (len(cfgs) - 1) / 2) * w for j in range(len(names))]
                ax.bar(xs, [(res[n]["ratios"][c][key] or 1) - 1 for n in names],
                       w, bottom=1, label=c, color=colors.get(c))
            ax.axhline(1.0, color="black", lw=0.8)
            ax.set_xticks(range(len(names)))
            ax.set_xticklabels(names, rotation=45, ha="right", fontsize=8)
            ax.set_title(title)
            ax.legend()
        fig.tight_layout()
        fig.savefig(os.path.join(out, "size-compile.png"), dpi=110)
        plt.close(fig)

    lat_names = [n for n, e in res.items() if any(
        "latency_ns" in e["configs"].get(c, {}) for c in cfgs)]
    if lat_names:
        fig, ax = plt.subplots(figsize=(9, 5))
        for c in cfgs:
            for n in lat_names:
                f = res[n]["configs"].get(c, {}).get("latency_samples_file")
                if not f:
                    continue
                rows = [line.split() for line in open(os.path.join(out, f))
                        if not line.startswith("#")]
                vals = sorted((int(r[0]) if int(r[0]) >= 0 else int(r[1])) / 1000
                              for r in rows if r)
                ys = [(i + 1) / len(vals) for i in range(len(vals))]
                ax.plot(vals, ys, lw=0.8, ls="-" if c == "default" else ":",
                        label=f"{n} ({c})")
        ax.set_xscale("log")
        ax.axvline(5, color="red", ls="--", lw=0.8)
        ax.set_xlabel("interrupt() to throw, run_on() to the poll in real "
                      "programs (µs, log scale)")
        ax.set_ylabel("fraction of interrupts")
        ax.set_title("Delivery latency CDF (red: 5 µs p99 goal)")
        ax.legend(fontsize=6, ncol=2)
        fig.tight_layout()
        fig.savefig(os.path.join(out, "latency-cdf.png"), dpi=110)
        plt.close(fig)


def rerender(out):
    """Re-parses the remark logs of a results folder, recomputes the
    statistics and rewrites results.md, results.json and the plots."""
    data = json.load(open(os.path.join(out, "results.json")))
    h = Harness.__new__(Harness)
    h.results, h.configs, h.out = data["benchmarks"], data["meta"]["configs"], out
    h.variants = {}
    for name, e in h.results.items():
        for config, c in e["configs"].items():
            if e["suite"] == "micro":
                logf = os.path.join(out, "logs", f"micro-{name}-{config}.compile.log")
            else:
                logf = os.path.join(out, "logs",
                                    f"real-{name}-build-{config}.log.remarks")
            if os.path.exists(logf):
                c.update(parse_remarks(open(logf, errors="replace").read()))
    h.write(h.analyse(), data["meta"])
    log(f"re-rendered {out}")


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--rerender":
        return rerender(sys.argv[2])
    ap = argparse.ArgumentParser()
    ap.add_argument("--safepoint-build", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--only", choices=["micro", "real", "all"], default="all")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--inner-reps", type=int, default=3)
    ap.add_argument("--compile-reps", type=int, default=3)
    ap.add_argument("--interrupts", type=int, default=2000)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--instructions", action="store_true",
                    help="also count instructions with callgrind (micro)")
    ap.add_argument("--no-time", action="store_true",
                    help="skip the timed rounds (instruction counts only)")
    ap.add_argument("--no-latency", action="store_true")
    ap.add_argument("--spin-sender", action="store_true",
                    help="latency: the interrupting thread spins instead of "
                    "sleeping between interrupts")
    ap.add_argument("--premade-exception", action="store_true",
                    help="latency: the exception is made before the pause, "
                    "as interrupt_after() makes it when armed")
    ap.add_argument("--ablation", default="",
                    help="comma-separated techniques to leave out of the "
                    "default placement, one extra config each (micro only)")
    ap.add_argument("--variant", action="append", default=[],
                    help="NAME=FLAGS: one extra config, the default placement "
                    "with FLAGS (micro only); repeatable")
    ap.add_argument("--naive", action="store_true")
    ap.add_argument("--kernels", default="")
    ap.add_argument("--programs", default="")
    ap.add_argument("--command", default="")
    a = ap.parse_args()

    start = time.time()
    h = Harness(a)
    meta = {
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "command": a.command, "host": platform.node(),
        "nproc": os.cpu_count(),
        "loadavg_start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "compiler": subprocess.run([h.cxx, "--version"], capture_output=True,
                                   text=True).stdout.splitlines()[0],
        "safepoint_build": os.path.abspath(a.safepoint_build),
        "git_revision": subprocess.run(
            ["git", "-C", ROOT, "describe", "--always", "--dirty"],
            capture_output=True, text=True).stdout.strip() or "unknown",
        "configs": h.configs, "naive_supported": a.naive, "reps": a.reps,
        "inner_reps": a.inner_reps, "compile_reps": a.compile_reps,
        "interrupts": a.interrupts, "spin_sender": a.spin_sender,
        "premade_exception": a.premade_exception,
        "quick": a.quick,
        "instructions": a.instructions,
        "force_exceptions": os.environ.get("BENCH_FORCE_EXCEPTIONS") == "1",
    }
    micro = real = []
    if a.only in ("micro", "all"):
        log("building micro-kernels (" + ", ".join(h.configs) + ")")
        h.build_micro()
        micro = h.micro_names()
    if a.only in ("real", "all"):
        log("building real programs (" + ", ".join(h.configs) + ")")
        real = h.build_real()
    if micro and a.instructions:
        log("counting instructions (callgrind, one run per kernel and config)")
        for n in micro:
            h.count_micro(n)
    if micro and not a.no_time:
        log(f"running micro-kernels: {a.reps} interleaved rounds")
        h.rounds(micro, lambda n, c, r: h.run_micro_once(n, c))
    if real and not a.no_time:
        log(f"running real programs: {a.reps} interleaved rounds")
        h.rounds(real, h.run_real_once)
    if micro and len(h.configs) > 1 and not a.no_latency:
        log(f"delivery latency: {a.interrupts} interrupts per kernel and config")
        for n in micro:
            h.latency_micro(n)
    if real and len(h.configs) > 1 and not a.no_latency:
        log("delivery latency in the real programs: one probed run each")
        for n in real:
            h.latency_real(n)
    summary = h.analyse()
    meta["loadavg_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    meta["duration_s"] = time.time() - start
    h.write(summary, meta)
    log(f"results in {h.out}: results.md, results.json, *.png")
    print(open(os.path.join(h.out, "results.md")).read().split("## Run time")[0])


if __name__ == "__main__":
    main()
