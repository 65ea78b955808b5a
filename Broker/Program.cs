using MasterSocket.Broker;
using Microsoft.Extensions.Options;

// The broker process: everything is in BrokerHost; this file only runs it and reports a bad start.
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
finally
{
    await Serilog.Log.CloseAndFlushAsync();
}
