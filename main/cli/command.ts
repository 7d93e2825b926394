// The shape of one `pancake` command; its own file so a command in a file of
// its own need not import the list of all of them.
import type { PancakeCore } from '../core/core.js';

export interface Command {
  name: string;
  usage: string;
  summary: string;
  run(argv: string[], core: PancakeCore): Promise<number>;
}
