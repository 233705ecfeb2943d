/**
 * CPU time of other processes and of the whole machine, from Linux's /proc (proc(5)), for benches whose reference
 * server is a separate program (Pebble) and for telling how busy the rest of the machine was during a run.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second, the unit of /proc's CPU times (100 on every common Linux). */
const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

interface ProcStat {
  readonly pid: number;
  readonly command: string;
  readonly parentPid: number;
  /** utime + stime: user and system CPU of the process itself (not of its waited-for children). */
  readonly cpuSeconds: number;
}

/** `/proc/<pid>/stat`, or undefined once the process is gone. */
function procStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command sits in parentheses and may itself hold spaces or parentheses: the fields follow the last ')'.
  const close = text.lastIndexOf(')');
  const command = text.slice(text.indexOf('(') + 1, close);
  // Field 3 (state) is the first after the command; ppid is field 4, utime 14, stime 15.
  const fields = text.slice(close + 2).split(' ');
  const at = (field: number) => Number(fields[field - 3]);
  return { pid, command, parentPid: at(4), cpuSeconds: (at(14) + at(15)) / TICKS_PER_SECOND };
}

function allStats(): ProcStat[] {
  const stats: ProcStat[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = procStat(Number(entry));
    if (stat) stats.push(stat);
  }
  return stats;
}

/** CPU seconds used so far by one process; 0 once it has exited. */
export function processCpuSeconds(pid: number): number {
  return procStat(pid)?.cpuSeconds ?? 0;
}

/** The children of `parentPid` whose command (as the kernel keeps it: 15 characters at most) is `command`. */
export function childPids(parentPid: number, command: string): number[] {
  return allStats()
    .filter((stat) => stat.parentPid === parentPid && stat.command === command)
    .map((stat) => stat.pid);
}

/**
 * CPU seconds used so far by every live process named `command` (e.g. `postgres`: the postmaster and its backends).
 * Processes that exit between two readings drop out of the difference, so it undercounts short-lived ones.
 */
export function commandCpuSeconds(command: string): number {
  return allStats()
    .filter((stat) => stat.command === command)
    .reduce((sum, stat) => sum + stat.cpuSeconds, 0);
}

/** The machine's busy and total CPU seconds since boot, over all cores (/proc/stat's `cpu` line). */
export function machineCpuSeconds(): { readonly busy: number; readonly total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const ticks = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already inside user and nice).
  const total = ticks.slice(0, 8).reduce((sum, value) => sum + value, 0);
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  return { busy: (total - idle) / TICKS_PER_SECOND, total: total / TICKS_PER_SECOND };
}
