using Microsoft.Extensions.Hosting;

namespace MasterSocket.Broker.Sessions;

/// <summary>
/// One timer for every connection, instead of one per connection: each tick walks the live
/// connections and lets each check its deadlines (upgrade and IDENTIFY in time, PINGs, silence,
/// close handshake). The tick is a quarter of the shortest timeout, between 5 ms and 1 s, so
/// deadlines are met within 25% and tests with short timeouts stay quick.
/// </summary>
public sealed class HeartbeatMonitor(BrokerRuntime runtime) : BackgroundService
{
    public TimeSpan Tick { get; } = TimeSpan.FromMilliseconds(Math.Clamp(
        new[] { runtime.IdentifyTimeoutMs, runtime.HeartbeatIntervalMs, runtime.HeartbeatTimeoutMs, runtime.CloseTimeoutMs }.Min() / 4,
        5,
        1000));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Tick);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                var now = Environment.TickCount64;
                foreach (var connection in runtime.Connections.All)
                {
                    connection.OnTick(now);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }
}
