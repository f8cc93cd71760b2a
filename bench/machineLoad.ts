/**
 * The machine's load around a bench run (issue 27: a figure is read beside what else the machine was doing): the
 * 1-minute load average before the run and sampled during it, with the core count. From os.loadavg (/proc/loadavg).
 */
import { cpus, loadavg } from "node:os";

export interface MachineLoad {
  cores: number;
  before: number;
  duringMean: number;
  duringMax: number;
}

export function sampleMachineLoad(everyMs = 2000): { stop: () => MachineLoad } {
  const before = loadavg()[0]!;
  const samples: number[] = [];
  const timer = setInterval(() => samples.push(loadavg()[0]!), everyMs);
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      const during = samples.length > 0 ? samples : [loadavg()[0]!];
      return {
        cores: cpus().length,
        before,
        duringMean: during.reduce((a, b) => a + b, 0) / during.length,
        duringMax: Math.max(...during),
      };
    },
  };
}

export function loadText(load: MachineLoad): string {
  return `machine: ${load.cores} cores; 1-min load average ${load.before.toFixed(2)} before the run, ${load.duringMean.toFixed(2)} on average during it (max ${load.duringMax.toFixed(2)})`;
}
