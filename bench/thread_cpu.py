#!/usr/bin/env python3
"""Per-thread CPU time of a process, to see which thread bounds a run without a profiler.

Usage: thread_cpu.py ROOT_PID NAME [VARS_FILE]
Waits (up to 30 s) for a process called NAME among ROOT_PID and its descendants, samples the CPU
seconds of each of its threads every 0.25 s until it exits, then prints its busiest threads in
the order they were created (the lowest thread id is the main thread), each with its CPU seconds
and its share of the process's wall time. The last sample before exit stands for the whole
thread: threads that end early keep their final figure. With VARS_FILE, also writes the busiest
thread there as shell assignments (busiest_index, busiest_cpu, busiest_share in %, wall).
"""
import os
import sys
import time


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(c) for c in f.read().split()]
    except OSError:
        return []


def find(root, name):
    stack = [root]
    while stack:
        pid = stack.pop()
        try:
            with open(f"/proc/{pid}/comm") as f:
                if f.read().strip() == name:
                    return pid
        except OSError:
            continue
        stack.extend(children(pid))
    return None


def main():
    root, name = int(sys.argv[1]), sys.argv[2]
    tick = os.sysconf("SC_CLK_TCK")
    pid = None
    deadline = time.time() + 30
    while pid is None and time.time() < deadline and os.path.exists(f"/proc/{root}"):
        pid = find(root, name)
        if pid is None:
            time.sleep(0.02)
    if pid is None:
        print(f"  threads: no process {name} under {root}")
        return
    start = time.time()
    cpu = {}
    while os.path.exists(f"/proc/{pid}/task"):
        try:
            tids = os.listdir(f"/proc/{pid}/task")
        except OSError:
            break
        for tid in tids:
            try:
                with open(f"/proc/{pid}/task/{tid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] == "Z":
                continue
            cpu[int(tid)] = (int(fields[11]) + int(fields[12])) / tick
        time.sleep(0.25)
    wall = max(time.time() - start, 1e-3)
    order = sorted(cpu)  # creation order: thread ids grow
    busy = sorted(sorted(cpu, key=lambda t: -cpu[t])[:8])
    total = sum(cpu.values())
    print(f"  {name} threads: {len(cpu)}, {total:.1f} CPU s over {wall:.1f} s; the busiest "
          "(#n = n-th thread created, #0 main):")
    print("   " + "  ".join(f"#{order.index(t)} {cpu[t]:.1f}s ({100 * cpu[t] / wall:.0f}%)"
                            for t in busy))
    if len(sys.argv) > 3 and cpu:
        top = max(cpu, key=lambda t: cpu[t])
        with open(sys.argv[3], "w") as f:
            f.write(f"busiest_index={order.index(top)} busiest_cpu={cpu[top]:.1f} "
                    f"busiest_share={100 * cpu[top] / wall:.0f} wall={wall:.1f}\n")


if __name__ == "__main__":
    main()
