// Each command declares its options; node:util's parser in strict mode
// refuses any other, so a typo such as `--epoch 5` is an error with the usage
// line instead of being silently ignored.
import { parseArgs as parseStrict } from 'node:util';

export type OptionTypes = Record<string, 'string' | 'boolean'>;

export interface ParsedArgs {
  positionals: string[];
  values: Record<string, string | boolean | undefined>;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The option a parse error is about, as node:util quotes it: '--epoch' or '--out <value>'. */
function optionIn(message: string): string {
  return /'(-[^' ]+)/.exec(message)?.[1] ?? 'an option';
}

function closest(name: string, declared: readonly string[]): string | undefined {
  const bare = name.replace(/^-+/, '');
  return declared.find((d) => d.startsWith(bare) || bare.startsWith(d));
}

export function parseArgs(argv: string[], options: OptionTypes): ParsedArgs {
  try {
    const { positionals, values } = parseStrict({
      args: argv,
      options: Object.fromEntries(Object.entries(options).map(([name, type]) => [name, { type }])),
      strict: true,
      allowPositionals: true,
    });
    return { positionals, values: values as ParsedArgs['values'] };
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const message = err instanceof Error ? err.message : String(err);
    const option = optionIn(message);
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const near = closest(option, Object.keys(options));
      throw new UsageError(`Unknown option ${option}.${near ? ` Did you mean --${near}?` : ''}`);
    }
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      throw new UsageError(options[option.replace(/^-+/, '')] === 'boolean' ? `${option} takes no value.` : `${option} needs a value.`);
    }
    throw err;
  }
}

export function intFlag(args: ParsedArgs, name: string, min: number, max: number): number | undefined {
  const raw = args.values[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (typeof raw !== 'string' || !Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}.`);
  }
  return n;
}
