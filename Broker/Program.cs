using MasterSocket.Broker;
using MasterSocket.Broker.Transport;
using Microsoft.Extensions.Options;

// The broker process: everything is in BrokerHost; this file only runs it and reports a bad start.
SocketEngine.PreferInlineCompletions(); // before anything touches a socket: the runtime reads it once

try
{
    await using var app = BrokerHost.Build(args);
    await app.RunAsync();
    return 0;
}
catch (OptionsValidationException ex)
{
    await Console.Error.WriteLineAsync("MasterSocket refused to start: the configuration is invalid.");
    foreach (var failure in ex.Failures)
    {
        await Console.Error.WriteLineAsync($"  - {failure}");
    }

    return 2;
}
catch (InvalidOperationException ex) when (ex.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal))
{
    // A value that cannot be read as its type (Broker:Port=abc, an unknown Auth:Mode, a bad duration).
    await Console.Error.WriteLineAsync($"MasterSocket refused to start: {ex.Message}");
    return 2;
}
finally
{
    await Serilog.Log.CloseAndFlushAsync();
}
