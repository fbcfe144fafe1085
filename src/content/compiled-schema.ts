import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';

const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>();

/**
 * Whether a value matches a schema, with the schema compiled once to a checking function. TypeBox's interpreting
 * `Value.Check` walks the schema for every value, which made checking the error catalog (thousands of entries)
 * and the runbooks a noticeable part of start-up.
 */
export function matchesSchema<T extends TSchema>(schema: T, value: unknown): value is Static<T> {
  let check = compiled.get(schema);
  if (!check) {
    check = TypeCompiler.Compile(schema);
    compiled.set(schema, check);
  }
  return check.Check(value);
}
