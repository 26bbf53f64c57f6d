CREATE TABLE `notification` (
	`notificationId` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`notificationType` text NOT NULL,
	`appDeploy` integer DEFAULT false NOT NULL,
	`appBuildError` integer DEFAULT false NOT NULL,
	`databaseBackup` integer DEFAULT false NOT NULL,
	`volumeBackup` integer DEFAULT false NOT NULL,
	`dokployRestart` integer DEFAULT false NOT NULL,
	`dokployBackup` integer DEFAULT false NOT NULL,
	`dockerCleanup` integer DEFAULT false NOT NULL,
	`serverThreshold` integer DEFAULT false NOT NULL,
	`providerId` text NOT NULL,
	`config` text NOT NULL,
	`createdAt` text NOT NULL,
	`organizationId` text NOT NULL,
	`lastSentAt` text,
	`lastError` text,
	`lastErrorAt` text
);
--> statement-breakpoint
CREATE TABLE `notification_outbox` (
	`outboxId` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`notificationId` text NOT NULL,
	`eventKey` text NOT NULL,
	`event` text NOT NULL,
	`subject` text NOT NULL,
	`state` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`nextAt` integer NOT NULL,
	`lastError` text,
	`createdAt` text NOT NULL,
	`finishedAt` text,
	FOREIGN KEY (`notificationId`) REFERENCES `notification`(`notificationId`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `notification_outbox_event_unique` ON `notification_outbox` (`eventKey`,`notificationId`);--> statement-breakpoint
CREATE INDEX `notification_outbox_state_nextAt_idx` ON `notification_outbox` (`state`,`nextAt`);