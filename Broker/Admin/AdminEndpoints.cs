using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace MasterSocket.Broker.Admin;

/// <summary>The admin port's HTTP endpoints (PROTOCOL.md 8), on ordinary Kestrel minimal APIs.</summary>
public static class AdminEndpoints
{
    public static void Map(WebApplication app)
    {
        // Liveness: the process is up and serving HTTP.
        app.MapGet("/healthz", () => Results.Text("ok\n"));

        // Readiness: accepting clients (503 once draining).
        app.MapGet("/readyz", (BrokerRuntime runtime) => runtime.IsAccepting
            ? Results.Text("ready\n")
            : Results.Text("draining\n", statusCode: StatusCodes.Status503ServiceUnavailable));
    }
}
