CREATE TABLE `app_metric` (
	`applicationId` text NOT NULL,
	`time` integer NOT NULL,
	`cpu` real,
	`memoryUsed` integer NOT NULL,
	`memoryLimit` integer NOT NULL,
	`networkRx` integer NOT NULL,
	`networkTx` integer NOT NULL,
	`blockRead` integer NOT NULL,
	`blockWrite` integer NOT NULL,
	`tasks` integer NOT NULL,
	`restarts` integer NOT NULL,
	FOREIGN KEY (`applicationId`) REFERENCES `application`(`applicationId`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `app_metric_applicationId_time_idx` ON `app_metric` (`applicationId`,`time`);--> statement-breakpoint
CREATE TABLE `server_metric` (
	`time` integer PRIMARY KEY NOT NULL,
	`cpu` real,
	`memoryUsed` integer NOT NULL,
	`memoryTotal` integer NOT NULL,
	`dataDiskUsed` integer NOT NULL,
	`dataDiskTotal` integer NOT NULL,
	`dockerDiskUsed` integer,
	`dockerDiskTotal` integer,
	`rss` integer NOT NULL
);
