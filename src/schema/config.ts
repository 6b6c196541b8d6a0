// The --config file: actions and services declared at start-up. Published as schema/runyard.config.schema.json.
import { Type, type Static } from '@sinclair/typebox';
import { ActionSpec } from './action.js';
import { ServiceSpec } from './service.js';

export const RunyardConfig = Type.Object(
  {
    $schema: Type.Optional(Type.String({ description: 'Path or URL of this schema, for editors.' })),
    actions: Type.Optional(Type.Array(ActionSpec, { description: 'Upserted into the store at start-up.' })),
    services: Type.Optional(
      Type.Array(ServiceSpec, { description: 'Upserted after the actions; every action they name must exist.' }),
    ),
  },
  {
    $id: 'https://runyard.dev/schema/runyard.config.schema.json',
    title: 'runyard configuration',
    description: 'Actions and services that `runyard serve --config FILE` declares at start-up.',
    additionalProperties: false,
  },
);
export type RunyardConfig = Static<typeof RunyardConfig>;
