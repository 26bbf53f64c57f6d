import * as m from '../model/port.js';
import { group, mutation, query } from './procedure.js';

export default group('port', {
  create: mutation({
    summary: 'Publish a container port',
    output: 'port',
    input: m.portCreate,
    description: 'Publishes a container port of an application; applied on the next deploy.',
    handler: (input, { store }) => store.ports.create(input),
  }),
  one: query({
    summary: 'One port',
    output: 'portOne',
    input: m.portId,
    handler: ({ portId }, { store }) => store.ports.one(portId),
  }),
  update: mutation({
    summary: 'Update a port',
    output: 'port',
    input: m.portUpdate,
    handler: (input, { store }) => store.ports.update(input),
  }),
  delete: mutation({
    summary: 'Delete a port',
    output: 'port',
    input: m.portId,
    handler: ({ portId }, { store }) => store.ports.remove(portId),
  }),
});
