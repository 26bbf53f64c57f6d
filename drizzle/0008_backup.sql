CREATE TABLE `backup` (
	`backupId` text PRIMARY KEY NOT NULL,
	`appName` text NOT NULL,
	`schedule` text NOT NULL,
	`enabled` integer,
	`database` text NOT NULL,
	`prefix` text NOT NULL,
	`serviceName` text,
	`destinationId` text NOT NULL,
	`keepLatestCount` integer,
	`backupType` text DEFAULT 'database' NOT NULL,
	`databaseType` text NOT NULL,
	`includeEncryptionKey` integer DEFAULT true NOT NULL,
	`metadata` text,
	`userId` text,
	`createdAt` text NOT NULL,
	`scheduledSince` text NOT NULL,
	FOREIGN KEY (`destinationId`) REFERENCES `destination`(`destinationId`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `backup_appName_unique` ON `backup` (`appName`);--> statement-breakpoint
CREATE TABLE `backup_run` (
	`runId` text PRIMARY KEY NOT NULL,
	`backupId` text NOT NULL,
	`trigger` text NOT NULL,
	`status` text NOT NULL,
	`scheduledFor` text,
	`file` text,
	`sizeBytes` integer,
	`error` text,
	`warning` text,
	`startedAt` text NOT NULL,
	`finishedAt` text,
	FOREIGN KEY (`backupId`) REFERENCES `backup`(`backupId`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `backup_run_backupId_idx` ON `backup_run` (`backupId`,`startedAt`);--> statement-breakpoint
CREATE TABLE `destination` (
	`destinationId` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`provider` text,
	`accessKey` text NOT NULL,
	`secretAccessKey` text NOT NULL,
	`bucket` text NOT NULL,
	`region` text NOT NULL,
	`endpoint` text NOT NULL,
	`additionalFlags` text,
	`organizationId` text NOT NULL,
	`createdAt` text NOT NULL
);
