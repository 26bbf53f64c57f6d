CREATE TABLE `node_metric` (
	`time` integer NOT NULL,
	`nodeId` text NOT NULL,
	`hostname` text NOT NULL,
	`cpus` real NOT NULL,
	`memoryTotal` integer NOT NULL,
	`tasks` integer,
	`cpu` real,
	`memoryUsed` integer,
	PRIMARY KEY(`time`, `nodeId`)
);
