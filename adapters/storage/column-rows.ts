import { instantText } from './instant-text.ts';
import { quoteArrayElement } from './sql-array.ts';

/** PostgreSQL types a `ColumnRows` column can carry. */
export type ColumnType = 'uuid' | 'text' | 'integer' | 'smallint' | 'timestamptz' | 'jsonb' | 'json';

/** What a column takes: JSON columns the JSON text of one value; timestamps epoch ms; scalar columns also null. */
export type ColumnValue<T extends ColumnType> = T extends 'json' | 'jsonb' ? string : (T extends 'integer' | 'smallint' | 'timestamptz' ? number : string) | null;

/** A table's columns, in the order `add` takes their values. */
export type ColumnSpec = ReadonlyArray<readonly [name: string, type: ColumnType]>;

/** The values of one row of `S`, in column order. */
export type RowValues<S extends ColumnSpec> = { [K in keyof S]: S[K] extends readonly [string, infer T extends ColumnType] ? ColumnValue<T> : never };

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** One element of an array literal for a scalar column (null as NULL, text always quoted). */
function element(type: ColumnType, v: string | number | null): string {
  if (v === null) return 'NULL';
  switch (type) {
    case 'text':
      return quoteArrayElement(v as string);
    case 'timestamptz':
      return instantText(v as number);
    case 'integer':
    case 'smallint':
      if (!Number.isInteger(v)) throw new TypeError(`整数列的值无效 not an integer: ${String(v)}`);
      return String(v);
    default:
      // A uuid needs no quoting; anything else written bare could shift every later value of the array.
      if (!UUID.test(v as string)) throw new TypeError(`不是 UUID not a UUID: ${String(v)}`);
      return v as string;
  }
}

const isJson = (type: ColumnType) => type === 'json' || type === 'jsonb';

/**
 * Rows for a set-based write, kept column by column: each scalar column goes to PostgreSQL as
 * one array literal and each JSON column as one JSON array, and `rowsFrom` turns them back into
 * rows with `ROWS FROM (unnest(…), jsonb_array_elements(…))`. The database parses each value
 * once with its own type's input function, instead of parsing every row into a `jsonb` tree and
 * looking its fields up again (`jsonb_to_recordset`). Any number of rows in one parameter per
 * column, so the statement text, and its prepared plan, does not depend on the row count.
 */
export class ColumnRows<S extends ColumnSpec> {
  readonly #types: ColumnType[];
  readonly #json: boolean[];
  readonly #values: string[][];
  /** The row being encoded: every value is encoded before any is kept, so a refused row leaves the columns aligned. */
  readonly #row: string[];
  #length = 0;

  constructor(spec: S) {
    this.#types = spec.map(([, type]) => type);
    this.#json = this.#types.map(isJson);
    this.#values = spec.map(() => []);
    this.#row = spec.map(() => '');
  }

  get length(): number {
    return this.#length;
  }

  /** Appends one row, its values in the spec's column order. */
  add(...row: RowValues<S>): void {
    const values = row as unknown as Array<string | number | null>;
    const types = this.#types;
    const encoded = this.#row;
    for (let i = 0; i < types.length; i++) {
      const v = values[i] ?? null;
      encoded[i] = this.#json[i] ? (v as string) : element(types[i] as ColumnType, v);
    }
    for (let i = 0; i < types.length; i++) (this.#values[i] as string[]).push(encoded[i] as string);
    this.#length += 1;
  }

  /** One parameter per column, in the spec's order, as `rowsFrom` numbers them. */
  parameters(): string[] {
    return this.#values.map((values, i) => (this.#json[i] ? `[${values.join(',')}]` : `{${values.join(',')}}`));
  }
}

/**
 * `rows from (…) as <alias>(<columns>)` over the parameters of a `ColumnRows` of `spec`, the
 * first of them numbered `$first`: every column under its name.
 */
export function rowsFrom(spec: ColumnSpec, alias: string, first: number): string {
  const scalars: string[] = [];
  const jsons: string[] = [];
  const names: string[] = [];
  const jsonNames: string[] = [];
  spec.forEach(([name, type], i) => {
    const param = `$${first + i}`;
    if (isJson(type)) {
      jsons.push(`${type}_array_elements(cast(${param} as ${type}))`);
      jsonNames.push(name);
    } else {
      scalars.push(`cast(${param} as ${type}[])`);
      names.push(name);
    }
  });
  const functions = scalars.length > 0 ? [`unnest(${scalars.join(', ')})`, ...jsons] : jsons;
  return `rows from (${functions.join(', ')}) as ${alias}(${[...names, ...jsonNames].join(', ')})`;
}
