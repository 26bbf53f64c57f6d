/** The backup variants of Berth's events (src/model/events.ts holds the whole union): what `notify` receives. */
export type BackupEvent =
  | { type: 'backup.done'; backupId: string | null; destinationId: string | null; file: string; sizeBytes: number; at: string }
  | { type: 'backup.failed'; backupId: string | null; destinationId: string | null; error: string; at: string };

/** Never throws, never blocks (the notifier queues). */
export type BackupNotify = (event: BackupEvent) => void;
