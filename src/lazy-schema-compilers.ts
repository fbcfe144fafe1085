import AjvCompiler from '@fastify/ajv-compiler';
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import type { FastifyServerOptions } from 'fastify';

/** A compiled validator as Fastify calls it: true/false, with the reasons on `.errors` after a false. */
type Validate = ((data: never) => unknown) & { errors?: unknown };

/**
 * Compiles a route's schema when its first request needs it, instead of every route's at start-up. With eager
 * compilation about an eighth of the start-up CPU went to Ajv and fast-json-stringify building code for routes
 * (the agent API, the admin API, Direct Line) that the first requests after a start never touch. Each route still
 * compiles once; the compilers and their options are Fastify's own defaults, so validation and serialisation are
 * exactly what they were. The price: a schema that does not compile fails on its route's first request rather than
 * at start-up (every schema is static and exercised by the tests).
 */
export function lazyValidator<R, V extends Validate>(compile: (route: R) => V): (route: R) => V {
  return (route) => {
    let compiled: V | undefined;
    const validate: Validate = (data: never): unknown => {
      compiled ??= compile(route);
      const result = compiled(data);
      validate.errors = compiled.errors;
      return result;
    };
    // Called exactly as the compiled function would be, with its errors copied after each call.
    return validate as unknown as V;
  };
}

type SchemaController = NonNullable<FastifyServerOptions['schemaController']>;
type CompilersFactory = NonNullable<SchemaController['compilersFactory']>;

/** Fastify's `schemaController` option: its default Ajv and fast-json-stringify compilers, each run on first use. */
export function lazySchemaController(): SchemaController {
  const buildValidator = AjvCompiler();
  const buildSerializer = SerializerSelector();
  const factory: CompilersFactory = {
    buildValidator: (externalSchemas, ajvOptions) => {
      let compiler: ReturnType<typeof buildValidator> | undefined;
      return lazyValidator((route: Parameters<ReturnType<typeof buildValidator>>[0]) => {
        compiler ??= buildValidator(externalSchemas as Parameters<typeof buildValidator>[0], ajvOptions as Parameters<typeof buildValidator>[1]);
        return compiler(route);
      });
    },
    buildSerializer: (externalSchemas, serializerOptions) => {
      let compiler: ReturnType<typeof buildSerializer> | undefined;
      return (route: Parameters<ReturnType<typeof buildSerializer>>[0]) => {
        let serialize: ((doc: unknown) => string) | undefined;
        return (doc: unknown) => {
          compiler ??= buildSerializer(externalSchemas as Parameters<typeof buildSerializer>[0], serializerOptions as Parameters<typeof buildSerializer>[1]);
          serialize ??= compiler(route);
          return serialize(doc);
        };
      };
    },
  };
  return { compilersFactory: factory };
}
