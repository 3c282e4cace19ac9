import { readdirSync, readFileSync } from "node:fs";

/** Linux counts process CPU time in clock ticks of 10 ms (USER_HZ 100 on every common kernel). */
const TICK_MS = 10;

/**
 * CPU time, in ms, used so far by every process descended from this one (a browser launched by
 * playwright: its browser, GPU, network and renderer processes), read from /proc. Wall-clock
 * times on a loaded machine grow with the load; CPU time mostly does not, so it says what a page
 * costs. A process's own time counts with the time of its children that have exited and been
 * waited for (`cutime`, `cstime`), so a renderer that exits between two readings does not take
 * its time away from the sum. 0 where /proc is absent.
 */
export function descendantsCpuMs(root = process.pid): number {
  let names: string[];
  try {
    names = readdirSync("/proc");
  } catch {
    return 0;
  }
  const parents = new Map<number, number>();
  const cpu = new Map<number, number>();
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, "utf8");
    } catch {
      continue;
    }
    // The command name may hold spaces and parentheses: the fields start after the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const pid = Number(name);
    parents.set(pid, Number(fields[1]));
    // utime, stime, cutime, cstime: fields 14-17 of the line, 11-14 after the command name.
    const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
    cpu.set(pid, ticks * TICK_MS);
  }
  let total = 0;
  for (const [pid, ms] of cpu) {
    let parent = parents.get(pid);
    while (parent !== undefined && parent > 1 && parent !== root) parent = parents.get(parent);
    if (parent === root) total += ms;
  }
  return total;
}

/** CPU time, in ms, of this process so far. */
export function ownCpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}
