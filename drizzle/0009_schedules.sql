CREATE TABLE `schedule` (
	`scheduleId` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`cronExpression` text NOT NULL,
	`appName` text NOT NULL,
	`serviceName` text,
	`shellType` text DEFAULT 'bash' NOT NULL,
	`scheduleType` text DEFAULT 'application' NOT NULL,
	`command` text NOT NULL,
	`script` text,
	`applicationId` text,
	`composeId` text,
	`serverId` text,
	`organizationId` text NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`timezone` text,
	`createdAt` text NOT NULL,
	`timeoutSeconds` integer,
	`lastDueAt` text,
	FOREIGN KEY (`applicationId`) REFERENCES `application`(`applicationId`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `schedule_applicationId_idx` ON `schedule` (`applicationId`);--> statement-breakpoint
CREATE TABLE `schedule_run` (
	`deploymentId` text PRIMARY KEY NOT NULL,
	`scheduleId` text NOT NULL,
	`title` text NOT NULL,
	`description` text,
	`status` text NOT NULL,
	`trigger` text NOT NULL,
	`scheduledFor` text,
	`logPath` text NOT NULL,
	`pid` text,
	`exitCode` integer,
	`errorMessage` text,
	`createdAt` text NOT NULL,
	`startedAt` text,
	`finishedAt` text,
	`durationMs` integer,
	FOREIGN KEY (`scheduleId`) REFERENCES `schedule`(`scheduleId`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `schedule_run_scheduleId_createdAt_idx` ON `schedule_run` (`scheduleId`,`createdAt`);--> statement-breakpoint
CREATE INDEX `schedule_run_status_idx` ON `schedule_run` (`status`);