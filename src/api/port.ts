import * as m from '../model/port.js';
import { group, mutation, query } from './procedure.js';
import * as o from './outputs.js';

export default group('port', {
  create: mutation({
    summary: 'Publish a container port',
    output: o.port,
    input: m.portCreate,
    description: 'Publishes a container port of an application; applied on the next deploy.',
    handler: (input, { store }) => store.ports.create(input),
  }),
  one: query({
    summary: 'One port',
    output: o.portOne,
    input: m.portId,
    handler: ({ portId }, { store }) => store.ports.one(portId),
  }),
  update: mutation({
    summary: 'Update a port',
    output: o.port,
    input: m.portUpdate,
    handler: (input, { store }) => store.ports.update(input),
  }),
  delete: mutation({
    summary: 'Delete a port',
    output: o.port,
    input: m.portId,
    handler: ({ portId }, { store }) => store.ports.remove(portId),
  }),
});
