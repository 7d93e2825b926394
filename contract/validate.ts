// Runtime validators that double as TypeScript types, so an API method's
// parameter shape is written once and checked wherever it crosses a boundary
// (IPC, HTTP, CLI). Kept tiny on purpose: the renderer bundles it too.
import { UserError } from './errors.js';

export class ValidationError extends UserError {
  constructor(message: string) {
    super('ValidationError', message);
  }
}

export interface Validator<T> {
  parse(value: unknown, path?: string): T;
  readonly optional?: boolean;
}

export interface OptionalValidator<T, V extends Validator<T> = Validator<T>> extends Validator<T | undefined> {
  readonly optional: true;
  readonly inner: V;
}

/** What a number validator accepts, readable so that a form can check its fields by the contract's own limits. */
export interface NumberBounds {
  readonly min?: number;
  readonly max?: number;
  readonly integer: boolean;
}

export interface NumberValidator extends Validator<number> {
  readonly bounds: NumberBounds;
}

export interface ObjectValidator<S extends Record<string, Validator<unknown>>> extends Validator<ObjectOf<S>> {
  readonly shape: S;
}

export type Infer<V> = V extends Validator<infer T> ? T : never;

function fail(path: string, expected: string, value: unknown): never {
  const got = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  throw new ValidationError(`${path || 'value'} must be ${expected} (got ${got})`);
}

export const v = {
  string(opts: { max?: number; min?: number } = {}): Validator<string> {
    const max = opts.max ?? 4096;
    const min = opts.min ?? 0;
    return {
      parse(value, path = '') {
        if (typeof value !== 'string') fail(path, 'a string', value);
        if (value.length > max) throw new ValidationError(`${path} is longer than ${max} characters`);
        if (value.length < min) throw new ValidationError(`${path} is shorter than ${min} characters`);
        return value;
      },
    };
  },
  number(opts: { min?: number; max?: number } = {}): NumberValidator {
    return {
      bounds: { ...opts, integer: false },
      parse(value, path = '') {
        if (typeof value !== 'number' || !Number.isFinite(value)) fail(path, 'a finite number', value);
        if (opts.min !== undefined && value < opts.min) throw new ValidationError(`${path} must be at least ${opts.min}`);
        if (opts.max !== undefined && value > opts.max) throw new ValidationError(`${path} must be at most ${opts.max}`);
        return value;
      },
    };
  },
  int(opts: { min?: number; max?: number } = {}): NumberValidator {
    const num = v.number(opts);
    return {
      bounds: { ...opts, integer: true },
      parse(value, path = '') {
        const n = num.parse(value, path);
        if (!Number.isInteger(n)) fail(path, 'an integer', value);
        return n;
      },
    };
  },
  boolean(): Validator<boolean> {
    return {
      parse(value, path = '') {
        if (typeof value !== 'boolean') fail(path, 'true or false', value);
        return value;
      },
    };
  },
  literal<const T extends string | number | boolean>(...options: T[]): Validator<T> {
    return {
      parse(value, path = '') {
        if (!options.includes(value as T)) fail(path, `one of ${options.map((o) => JSON.stringify(o)).join(', ')}`, value);
        return value as T;
      },
    };
  },
  bytes(opts: { max?: number } = {}): Validator<Uint8Array> {
    const max = opts.max ?? 512 * 1024 * 1024;
    return {
      parse(value, path = '') {
        if (!(value instanceof Uint8Array)) fail(path, 'binary data', value);
        if (value.byteLength > max) throw new ValidationError(`${path} is larger than ${max} bytes`);
        return value;
      },
    };
  },
  array<T>(item: Validator<T>, opts: { max?: number } = {}): Validator<T[]> {
    const max = opts.max ?? 1_000_000;
    return {
      parse(value, path = '') {
        if (!Array.isArray(value)) fail(path, 'a list', value);
        if (value.length > max) throw new ValidationError(`${path} has more than ${max} items`);
        return value.map((x, i) => item.parse(x, `${path}[${i}]`));
      },
    };
  },
  optional<T, V extends Validator<T>>(inner: V & Validator<T>): OptionalValidator<T, V> {
    return {
      optional: true as const,
      inner,
      parse(value, path = '') {
        return value === undefined || value === null ? undefined : inner.parse(value, path);
      },
    };
  },
  nullable<T>(inner: Validator<T>): Validator<T | null> {
    return {
      parse(value, path = '') {
        return value === null ? null : inner.parse(value, path);
      },
    };
  },
  object<S extends Record<string, Validator<unknown>>>(shape: S): ObjectValidator<S> {
    return {
      shape,
      parse(value, path = '') {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(path, 'an object', value);
        const input = value as Record<string, unknown>;
        for (const key of Object.keys(input)) {
          // Own keys only: `in` would take constructor, toString or __proto__ for fields.
          if (!Object.hasOwn(shape, key)) throw new ValidationError(`${path ? path + '.' : ''}${key} is not a known field`);
        }
        const out: Record<string, unknown> = {};
        for (const [key, validator] of Object.entries(shape)) {
          // Own keys only here too: a field called toString left out must read as missing, not as Object.prototype's.
          const given = Object.hasOwn(input, key) ? input[key] : undefined;
          const parsed = validator.parse(given, path ? `${path}.${key}` : key);
          if (parsed !== undefined) out[key] = parsed;
        }
        return out as ObjectOf<S>;
      },
    };
  },
};

type OptionalKeys<S> = { [K in keyof S]: S[K] extends { readonly optional: true } ? K : never }[keyof S];
type RequiredKeys<S> = Exclude<keyof S, OptionalKeys<S>>;
type Simplify<T> = { [K in keyof T]: T[K] } & {};
export type ObjectOf<S extends Record<string, Validator<unknown>>> = Simplify<
  { [K in RequiredKeys<S>]: Infer<S[K]> } & { [K in OptionalKeys<S>]?: Infer<S[K]> }
>;
