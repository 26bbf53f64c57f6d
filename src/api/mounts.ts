import { applicationId } from '../model/application.js';
import * as m from '../model/mount.js';
import { group, mutation, query } from './procedure.js';

export default group('mounts', {
  create: mutation({
    summary: 'Add a mount to an application',
    output: 'mount',
    input: m.mountCreate,
    description:
      'Adds a bind mount (hostPath), named volume (volumeName) or file (filePath + content) to an application; applied on the next deploy.',
    handler: (input, { store }) => store.mounts.create(input),
  }),
  one: query({
    summary: 'One mount',
    output: 'mountOne',
    input: m.mountId,
    handler: ({ mountId }, { store }) => store.mounts.one(mountId),
  }),
  listByServiceId: query({
    summary: "An application's mounts",
    output: 'mounts',
    input: m.mountsOfService,
    handler: ({ serviceId }, { store }) => store.mounts.byApplication(serviceId),
  }),
  update: mutation({
    summary: 'Update a mount',
    output: 'mount',
    input: m.mountUpdate,
    description: 'Updates a mount; the rules of its type apply to the merged result, and sources of other types are cleared.',
    handler: (input, { store }) => store.mounts.update(input),
  }),
  remove: mutation({
    summary: 'Remove a mount',
    output: 'mount',
    input: m.mountId,
    handler: ({ mountId }, { store }) => store.mounts.remove(mountId),
  }),
  allNamedByApplicationId: query({
    summary: "Named volumes of the application's running container",
    output: 'dockerMounts',
    input: applicationId,
    description: "The named volumes of the application's running container (Docker's mount objects of Type volume); nothing when no container runs.",
    handler: async ({ applicationId }, { store, containers }) => {
      const running = await containers.runningTaskContainer(store.applications.get(applicationId).appName);
      return running?.Mounts.filter((mount) => mount.Type === 'volume');
    },
  }),
});
