using System.Net;
using MasterSocket.Broker.Admin;
using MasterSocket.Broker.Auth;
using MasterSocket.Broker.Options;
using MasterSocket.Broker.Routing;
using MasterSocket.Broker.Sessions;
using MasterSocket.Broker.Transport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Serilog;

namespace MasterSocket.Broker;

/// <summary>
/// Builds the broker process: configuration, Serilog, validated options, the services, the socket
/// listener on <c>Broker:Port</c> and Kestrel with the admin endpoints on <c>Broker:AdminPort</c>.
/// Program.cs and the tests both start the broker through here.
/// </summary>
public static class BrokerHost
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // appsettings.json is read from beside the program, wherever it is started from.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        configure?.Invoke(builder);
        var configuration = builder.Configuration;

        // Give the drain its configured time, plus a margin for the host's own stopping.
        builder.Services.Configure<HostOptions>(host =>
            host.ShutdownTimeout = (configuration.GetSection(BrokerOptions.Section).Get<BrokerOptions>()?.ShutdownTimeout ?? TimeSpan.FromSeconds(10)) + TimeSpan.FromSeconds(5));

        builder.Services.AddSerilog((services, logger) =>
        {
            logger.ReadFrom.Configuration(configuration).Enrich.FromLogContext();
            if (!configuration.GetSection("Serilog:WriteTo").Exists())
            {
                // Readable on a terminal by default; JSON lines are one setting away (docs/operations.md).
                // Through a background writer: socket completions run inline on the socket engine's
                // threads, which must never wait for a slow stdout. A full buffer drops lines rather
                // than stall clients.
                logger.WriteTo.Async(
                    sink => sink.Console(outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}"),
                    bufferSize: 10_000,
                    blockWhenFull: false);
            }
        });

        builder.Services.AddSingleton<IValidateOptions<BrokerOptions>, BrokerOptionsValidator>();
        builder.Services.AddOptions<BrokerOptions>().Bind(configuration.GetSection(BrokerOptions.Section)).ValidateOnStart();
        builder.Services.AddSingleton(CreateAuthenticator);
        builder.Services.AddSingleton<IClientRegistry, LocalClientRegistry>();
        builder.Services.AddSingleton<IBackplane, InMemoryBackplane>();
        builder.Services.AddSingleton<Router>();
        builder.Services.AddSingleton<BrokerRuntime>();
        builder.Services.AddSingleton<SocketListener>();
        builder.Services.AddHostedService(services => services.GetRequiredService<SocketListener>());
        builder.Services.AddHostedService<HeartbeatMonitor>();

        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            var options = context.Configuration.GetSection(BrokerOptions.Section).Get<BrokerOptions>() ?? new BrokerOptions();
            if (IPAddress.TryParse(options.BindAddress, out var address) && options.AdminPort is >= 0 and <= 65535)
            {
                kestrel.Listen(address, options.AdminPort);
            }
        });

        var app = builder.Build();
        AdminEndpoints.Map(app); // resolves nothing yet: options are validated when the host starts
        return app;
    }

    private static IAuthenticator CreateAuthenticator(IServiceProvider services)
    {
        var auth = services.GetRequiredService<IOptions<BrokerOptions>>().Value.Auth;
        return auth.Mode switch
        {
            AuthMode.Keys => new KeysAuthenticator(auth),
            AuthMode.Jwt => new JwtAuthenticator(auth.Jwt),
            _ => new NoneAuthenticator(),
        };
    }
}
