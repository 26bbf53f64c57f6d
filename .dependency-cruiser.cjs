/**
 * The rooms of DESIGN §2 (the README's Layout lists them): who may import whom inside
 * src/, and the dashboard (web/) apart from it. Checked by test/unit/rooms.test.ts; `npx depcruise src` prints the same report.
 * A new room gets its rules here in the change that creates it.
 */
const room = (name) => `^src/${name}/`;
/** main.ts, berth.ts and cli.ts wire the rooms together. */
const WIRING = '^src/(main|berth|cli)\\.ts$';
/** Node modules that do I/O (node:net is left out: the model uses its isIP, a pure check). */
const IO_MODULES = '^(node:)?(fs|fs/promises|child_process|cluster|dgram|dns|dns/promises|http|http2|https|tls|worker_threads|readline|repl|vm|inspector)$';

module.exports = {
  forbidden: [
    {
      name: 'model-is-pure',
      comment: 'src/model holds schemas and pure rules: it imports no other room.',
      severity: 'error',
      from: { path: room('model') },
      to: { path: '^src/', pathNot: room('model') },
    },
    {
      name: 'model-does-no-io',
      comment: 'src/model does no I/O.',
      severity: 'error',
      from: { path: room('model') },
      to: { path: IO_MODULES },
    },
    {
      name: 'model-uses-pure-packages',
      comment: 'Of npm, src/model uses zod and pure helpers (nanoid, the dotenv parser, the RE2 regex engine) only.',
      severity: 'error',
      from: { path: room('model') },
      to: { path: '(^|/)node_modules/', pathNot: '(^|/)node_modules/(zod|nanoid|dotenv|re2js)/' },
    },
    {
      name: 'secrets-stand-alone',
      comment: 'src/secrets (encryption, token hashing, redaction) imports no other room.',
      severity: 'error',
      from: { path: room('secrets') },
      to: { path: '^src/', pathNot: room('secrets') },
    },
    {
      name: 'store-below-the-api',
      comment: 'src/store imports the model and secrets only: never the API, the deploy engine, Docker, routing or monitoring.',
      severity: 'error',
      from: { path: room('store') },
      to: { path: '^src/(api|deploy|docker|routing|monitoring)/|^src/config\\.ts$' },
    },
    {
      name: 'docker-imports-the-model-only',
      comment: 'src/docker is the Docker Engine adapter: it imports the model and nothing else of src/.',
      severity: 'error',
      from: { path: room('docker') },
      to: { path: '^src/', pathNot: `${room('docker')}|${room('model')}` },
    },
    {
      name: 'only-docker-talks-to-dockerode',
      comment: 'Only src/docker calls the engine through dockerode (other rooms may name its types).',
      severity: 'error',
      from: { path: '^src/', pathNot: room('docker') },
      to: { path: '(^|/)node_modules/(dockerode|docker-modem)/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'deploy-not-above-itself',
      comment: 'src/deploy imports model, store, secrets, docker, routing: never the API or monitoring.',
      severity: 'error',
      from: { path: room('deploy') },
      to: { path: '^src/(api|monitoring)/' },
    },
    {
      name: 'routing-renders-from-the-model',
      comment:
        'src/routing renders Traefik config from the model and writes its files; it names Docker types (the edge spec) ' +
        'but calls the engine only through src/docker. Its start-up wiring (start.ts) alone creates the engine and reads the config.',
      severity: 'error',
      from: { path: room('routing'), pathNot: '^src/routing/start\\.ts$' },
      to: { path: '^src/(api|deploy|store|monitoring|secrets)/|^src/config\\.ts$|^src/docker/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'routing-types-only-from-docker',
      comment: 'Even as types, routing takes nothing from the API, the deploy engine, the store, monitoring or secrets.',
      severity: 'error',
      from: { path: room('routing') },
      to: { path: '^src/(api|deploy|store|monitoring|secrets)/' },
    },
    {
      name: 'monitoring-reads-docker-and-store',
      comment: 'src/monitoring imports docker, store and the model; its wiring (index.ts) alone reads the config.',
      severity: 'error',
      from: { path: room('monitoring') },
      to: { path: '^src/(api|deploy|routing|secrets)/' },
    },
    {
      name: 'monitoring-config-in-wiring-only',
      severity: 'error',
      from: { path: room('monitoring'), pathNot: '^src/monitoring/index\\.ts$' },
      to: { path: '^src/config\\.ts$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'engine-only-in-wiring',
      comment:
        'Routing and monitoring never hold the engine (not even its type, whose raw dockerode client would let them call Docker): ' +
        'they use what src/docker offers for them (edge.ts, stats-source.ts), which their wiring creates.',
      severity: 'error',
      from: { path: '^src/(routing|monitoring)/', pathNot: '^src/(routing/start|monitoring/index)\\.ts$' },
      to: { path: '^src/docker/engine\\.ts$' },
    },
    {
      name: 'webhooks-below-the-api',
      comment: 'src/webhooks (payloads, signatures, filters, previews) imports model, store, deploy and secrets (constant-time compares): never the API, Docker, routing or monitoring.',
      severity: 'error',
      from: { path: room('webhooks') },
      to: { path: '^src/(api|docker|routing|monitoring)/|^src/config\\.ts$' },
    },
    {
      name: 'nothing-below-imports-webhooks',
      comment: 'Only the API (its receiver routes) reaches src/webhooks.',
      severity: 'error',
      from: { path: '^src/(model|store|deploy|docker|routing|monitoring|secrets)/' },
      to: { path: room('webhooks') },
    },
    {
      name: 'cluster-imports-model-store-docker',
      comment: 'src/cluster (nodes, join tokens, removal plans) imports the model, the store and Docker: it calls the engine only through src/docker.',
      severity: 'error',
      from: { path: room('cluster') },
      to: { path: '^src/', pathNot: `${room('cluster')}|${room('model')}|${room('store')}|${room('docker')}` },
    },
    {
      name: 'nothing-below-imports-cluster',
      comment: 'Only the API (its cluster, swarm and settings routes) and the wiring reach src/cluster and src/cleanup.',
      severity: 'error',
      from: { path: '^src/(model|store|deploy|docker|routing|monitoring|secrets|webhooks)/' },
      to: { path: '^src/(cluster|cleanup)/' },
    },
    {
      name: 'cleanup-imports-model-store-docker',
      comment: 'src/cleanup (Docker cleanup runs and their schedule) imports the model, the store and Docker; its wiring (index.ts) alone names the config.',
      severity: 'error',
      from: { path: room('cleanup') },
      to: { path: '^src/', pathNot: `${room('cleanup')}|${room('model')}|${room('store')}|${room('docker')}|^src/config\\.ts$` },
    },
    {
      name: 'cleanup-config-in-wiring-only',
      severity: 'error',
      from: { path: room('cleanup'), pathNot: '^src/cleanup/index\\.ts$' },
      to: { path: '^src/config\\.ts$' },
    },
    {
      name: 'backup-imports-model-store-secrets',
      comment: 'src/backup (archives, restore, destinations, the backup timers) imports the model, the store and secrets only.',
      severity: 'error',
      from: { path: room('backup') },
      to: { path: '^src/', pathNot: `${room('backup')}|${room('model')}|${room('store')}|${room('secrets')}|^src/paths\\.ts$` },
    },
    {
      name: 'only-wiring-runs-backups',
      comment: 'The API knows the backup room by its type only (the wiring hands it over); no other room reaches it.',
      severity: 'error',
      from: { path: '^src/(model|store|deploy|docker|routing|monitoring|secrets|webhooks|cluster|api)/' },
      to: { path: room('backup'), dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'schedule-runs-through-docker-and-deploy',
      comment:
        'src/schedule (cron, run plans, the scheduler) imports the model, the store, secrets (redaction), Docker (exec in a task, on its node) ' +
        'and the deploy room\'s log and process runner (a run\'s log reads as a deployment\'s): never the API, routing, monitoring, cluster, webhooks or the config (its wiring passes the settings).',
      severity: 'error',
      from: { path: room('schedule') },
      to: { path: '^src/(api|routing|monitoring|cluster|webhooks)/|^src/config\\.ts$' },
    },
    {
      name: 'nothing-below-imports-schedule',
      comment: 'Only the API (schedule.* routes) and the wiring reach src/schedule.',
      severity: 'error',
      from: { path: '^src/(model|store|deploy|docker|routing|monitoring|secrets|webhooks|cluster)/' },
      to: { path: room('schedule') },
    },
    {
      name: 'notify-imports-model-store-secrets',
      comment:
        'src/notify (events → messages, one file per provider; the outbox sender; the periodic checks) imports the model, the store and secrets ' +
        '(redaction) only; it reads its settings as a type, and gets Docker (application health) as a function from the wiring.',
      severity: 'error',
      from: { path: room('notify') },
      to: { path: '^src/', pathNot: `${room('notify')}|${room('model')}|${room('store')}|${room('secrets')}|^src/config\\.ts$` },
    },
    {
      name: 'notify-config-types-only',
      severity: 'error',
      from: { path: room('notify') },
      to: { path: '^src/config\\.ts$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'nothing-below-imports-notify',
      comment: 'Events reach src/notify through a Notify callback or the outbox table: only the API (test messages) and the wiring import it.',
      severity: 'error',
      from: { path: '^src/(model|store|deploy|docker|routing|monitoring|secrets|webhooks|cluster)/' },
      to: { path: room('notify') },
    },
    {
      name: 'web-talks-to-the-api-only',
      comment: 'The dashboard (web/) reaches Berth through its public HTTP API only: it imports nothing of src/, and src/ nothing of it.',
      severity: 'error',
      from: { path: '^web/' },
      to: { path: '^src/' },
    },
    {
      name: 'server-serves-the-built-dashboard',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^web/' },
    },
    {
      name: 'no-room-imports-the-wiring',
      comment: 'main.ts, berth.ts and cli.ts wire the rooms together; no room imports them.',
      severity: 'error',
      from: { path: '^src/[^/]+/' },
      to: { path: WIRING },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
