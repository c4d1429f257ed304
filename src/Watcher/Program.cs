using Watcher.Cli;










return await WatcherCli.RunAsync(args);
