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
 * Rows a column keeps as strings before it writes them out as bytes: few enough that those
 * strings die young, many enough that writing costs one call per chunk, not per value.
 */
const CHUNK_ROWS = 64;

/**
 * UTF-8 text written into a buffer that grows as needed (outside the JavaScript heap). The
 * buffer is taken at the first write, as large as that write needs: a round makes a column for
 * every table it might write, and most rounds (a single command's) write a few rows to a few.
 */
class Utf8Text {
  #bytes: Buffer | undefined;
  #length = 0;

  write(text: string): void {
    // A UTF-16 code unit takes at most three bytes in UTF-8.
    const most = this.#length + text.length * 3;
    const bytes = this.#bytes;
    if (bytes === undefined || most > bytes.length) {
      const grown = Buffer.allocUnsafe(bytes === undefined ? most + 8 : Math.max(most, bytes.length * 2));
      bytes?.copy(grown, 0, 0, this.#length);
      this.#bytes = grown;
    }
    this.#length += (this.#bytes as Buffer).write(text, this.#length, 'utf8');
  }

  /** What was written (`parameters` always writes at least the brackets). */
  bytes(): Buffer {
    return (this.#bytes as Buffer).subarray(0, this.#length);
  }
}

/**
 * Rows for a set-based write, kept column by column: each scalar column goes to PostgreSQL as
 * one array literal and each JSON column as one JSON array, and `rowsFrom` turns them back into
 * rows with `ROWS FROM (unnest(…), jsonb_array_elements(…))`. The database parses each value
 * once with its own type's input function, instead of parsing every row into a `jsonb` tree and
 * looking its fields up again (`jsonb_to_recordset`). Any number of rows in one parameter per
 * column, so the statement text, and its prepared plan, does not depend on the row count.
 *
 * Each column is written as UTF-8 bytes as rows come in, a chunk at a time, and goes to the
 * database as a text parameter in binary form (the bytes as they are): a round of thousands of
 * rows keeps its values outside the JavaScript heap, where the young-generation collector does
 * not copy them again and again until the round is written.
 */
export class ColumnRows<S extends ColumnSpec> {
  readonly #types: ColumnType[];
  readonly #json: boolean[];
  /** Each column's values of the rows not yet written out. */
  readonly #chunk: string[][];
  readonly #text: Utf8Text[];
  /** The row being encoded: every value is encoded before any is kept, so a refused row leaves the columns aligned. */
  readonly #row: string[];
  #length = 0;
  #written = 0;
  #parameters: Buffer[] | undefined;

  constructor(spec: S) {
    this.#types = spec.map(([, type]) => type);
    this.#json = this.#types.map(isJson);
    this.#chunk = spec.map(() => []);
    this.#text = spec.map(() => new Utf8Text());
    this.#row = spec.map(() => '');
  }

  get length(): number {
    return this.#length;
  }

  /**
   * Appends one row, its values in the spec's column order.
   *
   * @throws TypeError when a value cannot be one element of its column (nothing of the row is kept);
   *   Error once the parameters have been taken.
   */
  add(...row: RowValues<S>): void {
    if (this.#parameters) throw new Error('internal: rows added after their parameters were taken');
    const values = row as unknown as Array<string | number | null>;
    const types = this.#types;
    const encoded = this.#row;
    for (let i = 0; i < types.length; i++) {
      const v = values[i] ?? null;
      encoded[i] = this.#json[i] ? (v as string) : element(types[i] as ColumnType, v);
    }
    for (let i = 0; i < types.length; i++) (this.#chunk[i] as string[]).push(encoded[i] as string);
    this.#length += 1;
    if (this.#length - this.#written === CHUNK_ROWS) this.#writeChunk();
  }

  /**
   * One parameter per column, in the spec's order, as `rowsFrom` numbers them: the column's
   * literal as UTF-8 bytes. Taking them ends the rows; a second call returns the same.
   */
  parameters(): Buffer[] {
    if (!this.#parameters) {
      this.#writeChunk();
      const empty = this.#length === 0;
      this.#parameters = this.#text.map((text, i) => {
        text.write(this.#json[i] ? (empty ? '[]' : ']') : empty ? '{}' : '}');
        return text.bytes();
      });
    }
    return this.#parameters;
  }

  #writeChunk(): void {
    if (this.#length === this.#written) return;
    const first = this.#written === 0;
    for (let i = 0; i < this.#chunk.length; i++) {
      const values = this.#chunk[i] as string[];
      const text = this.#text[i] as Utf8Text;
      if (first) text.write(this.#json[i] ? '[' : '{');
      else text.write(',');
      text.write(values.join(','));
      values.length = 0;
    }
    this.#written = this.#length;
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
    // Parameters are the bytes of text (see `ColumnRows.parameters`), turned into the column's type here.
    const param = `cast($${first + i} as text)`;
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
