// WARN_ON (kernel/panic.c __warn): a kernel warning in the log, at
// KERN_WARNING, with the stack of the kernel functions that got there.
import { KERN_WARNING } from './kernel.ts';
import { current, kernel_stack } from './sched.ts';

/** Print a "cut here" warning when `condition` holds; returns it, like WARN_ON. */
export function WARN_ON(condition: boolean, what: string): boolean {
  if (!condition) return false;
  const task = current();
  const stack = kernel_stack();
  task.kernel.printLines(KERN_WARNING, [
    '------------[ cut here ]------------',
    `WARNING: CPU: 0 PID: ${task.pid} at ${stack[1] ?? '?'}: ${what}`,
    `CPU: 0 PID: ${task.pid} Comm: ${task.comm} Not tainted ${task.kernel.switches.release} #1`,
    'Call Trace:',
    ' <TASK>',
    ...stack.slice(1).map((f) => ` ${f}`),
    ' </TASK>',
    '---[ end trace 0000000000000000 ]---',
  ]);
  return true;
}
