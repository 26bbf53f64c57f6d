import * as m from '../model/port.js';
import { group, mutation, query } from './procedure.js';

export default group('port', {
  create: mutation({
    input: m.portCreate,
    description: 'Publishes a container port of an application; applied on the next deploy.',
    handler: (input, { store }) => store.ports.create(input),
  }),
  one: query({
    input: m.portId,
    handler: ({ portId }, { store }) => store.ports.one(portId),
  }),
  update: mutation({
    input: m.portUpdate,
    handler: (input, { store }) => store.ports.update(input),
  }),
  delete: mutation({
    input: m.portId,
    handler: ({ portId }, { store }) => store.ports.remove(portId),
  }),
});
