using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using MasterSocket.Benchmarks.Load.Clients;

namespace MasterSocket.Benchmarks.Load;

/// <summary>
/// A server under test: a MasterSocket broker or a nats-server started as a child process on
/// loopback (optionally under <c>taskset -c</c>), or a server already running that the tool only
/// connects to. Knows the pid the CPU and RSS figures are read from, and keeps the last lines the
/// child printed for error messages. Children are killed when the tool exits, however it exits.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly List<Process> Children = [];
    private static int s_hooked;

    private readonly Process? _process;
    private readonly Queue<string> _output = new();
    private readonly string? _configPath;

    private ServerProcess(ServerKind kind, WsEndpoint endpoint, int? pid, Process? process, string? configPath)
    {
        Kind = kind;
        Endpoint = endpoint;
        Pid = pid;
        _process = process;
        _configPath = configPath;
    }

    public ServerKind Kind { get; }

    public WsEndpoint Endpoint { get; }

    /// <summary>The server's pid, when known: CPU and RSS come from /proc/PID.</summary>
    public int? Pid { get; }

    /// <summary>True when this tool started the process (and will stop it).</summary>
    public bool IsChild => _process is not null;

    public bool HasExited => _process is { HasExited: true };

    /// <summary>The last lines the server printed.</summary>
    public string OutputTail
    {
        get
        {
            lock (_output)
            {
                return string.Join("\n", _output);
            }
        }
    }

    public static ServerProcess Attach(ServerKind kind, Uri url, int? pid) => new(kind, WsEndpoint.FromUri(url), pid, null, null);

    public static Task<ServerProcess> StartAsync(ServerKind kind, LoadOptions options, CancellationToken cancellationToken) =>
        kind == ServerKind.MasterSocket ? StartBrokerAsync(options, cancellationToken) : StartNatsAsync(options, cancellationToken);

    /// <summary>
    /// <c>dotnet MasterSocket.Broker.dll</c> in Development (auth None) on 127.0.0.1, free ports, a
    /// pending-bytes bound no benchmark reaches, a long IDENTIFY timeout, warnings-only logs.
    /// </summary>
    private static async Task<ServerProcess> StartBrokerAsync(LoadOptions options, CancellationToken cancellationToken)
    {
        var dll = options.BrokerDll ?? await FindOrBuildBrokerAsync(cancellationToken);
        var port = FreePort();
        var adminPort = FreePort();
        var start = Command(options.BrokerCpus, "dotnet", dll);
        var environment = start.Environment;
        environment.Remove("ASPNETCORE_URLS");
        environment.Remove("DOTNET_gcServer");
        environment["DOTNET_ENVIRONMENT"] = "Development";
        environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        environment["DOTNET_gcServer"] = "0";
        environment["Broker__BindAddress"] = "127.0.0.1";
        environment["Broker__Port"] = port.ToString(CultureInfo.InvariantCulture);
        environment["Broker__AdminPort"] = adminPort.ToString(CultureInfo.InvariantCulture);
        environment["Broker__Limits__MaxPendingBytes"] = (64 * 1024 * 1024).ToString(CultureInfo.InvariantCulture);
        environment["Broker__Session__IdentifyTimeout"] = "00:01:00";
        environment["Serilog__MinimumLevel__Default"] = "Warning";
        environment["Serilog__MinimumLevel__Override__Microsoft.Hosting.Lifetime"] = "Warning";

        var endpoint = new WsEndpoint(new IPEndPoint(IPAddress.Loopback, port), $"127.0.0.1:{port}", "/ws");
        var server = Launch(ServerKind.MasterSocket, start, endpoint, configPath: null);
        await server.WaitUntilAsync(() => HealthyAsync(adminPort), "GET /healthz", cancellationToken);
        return server;
    }

    /// <summary>nats-server with a config file: client port and websocket listener on loopback, no TLS, no compression.</summary>
    private static async Task<ServerProcess> StartNatsAsync(LoadOptions options, CancellationToken cancellationToken)
    {
        var port = FreePort();
        var wsPort = FreePort();
        var configPath = Path.Combine(Path.GetTempPath(), $"mastersocket-load-nats-{Environment.ProcessId}-{wsPort}.conf");
        await File.WriteAllTextAsync(configPath, $$"""
            listen: 127.0.0.1:{{port}}
            max_connections: 1000000
            max_payload: 1MB
            max_pending: 256MB
            write_deadline: "60s"
            websocket {
              listen: "127.0.0.1:{{wsPort}}"
              no_tls: true
              compression: false
            }
            """, cancellationToken);

        var start = Command(options.BrokerCpus, options.NatsServer, "-c", configPath);
        var endpoint = new WsEndpoint(new IPEndPoint(IPAddress.Loopback, wsPort), $"127.0.0.1:{wsPort}", "/");
        var server = Launch(ServerKind.Nats, start, endpoint, configPath);
        await server.WaitUntilAsync(() => AcceptsAsync(wsPort), "the websocket port to accept", cancellationToken);
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            try
            {
                if (!_process.HasExited)
                {
                    _process.Kill(entireProcessTree: true);
                }

                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException or System.ComponentModel.Win32Exception)
            {
                // already gone, or refuses to die within the bound: nothing more to do here
            }

            lock (Children)
            {
                Children.Remove(_process);
            }

            _process.Dispose();
        }

        if (_configPath is not null)
        {
            File.Delete(_configPath);
        }
    }

    private static ProcessStartInfo Command(string? cpus, string program, params string[] arguments)
    {
        var start = new ProcessStartInfo
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        if (cpus is not null)
        {
            // taskset execs the program, so the pid we get is the server's own.
            start.FileName = "taskset";
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(cpus);
            start.ArgumentList.Add(program);
        }
        else
        {
            start.FileName = program;
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }

    private static ServerProcess Launch(ServerKind kind, ProcessStartInfo start, WsEndpoint endpoint, string? configPath)
    {
        HookExit();
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new LoadRunFailedException($"could not start {start.FileName}");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new LoadRunFailedException($"could not start {start.FileName} ({ex.Message}){(kind == ServerKind.Nats ? ": install it with apt-get install -y nats-server, or pass --nats-server PATH" : "")}");
        }

        lock (Children)
        {
            Children.Add(process);
        }

        var server = new ServerProcess(kind, endpoint, process.Id, process, configPath);
        process.OutputDataReceived += (_, e) => server.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => server.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Enqueue(line);
            while (_output.Count > 40)
            {
                _output.Dequeue();
            }
        }
    }

    private async Task WaitUntilAsync(Func<Task<bool>> ready, string what, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < StartTimeout)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (HasExited)
            {
                await DisposeAsync();
                throw new LoadRunFailedException($"{Kind.Label()} exited at start (code {_process!.ExitCode}):\n{OutputTail}");
            }

            if (await ready())
            {
                return;
            }

            await Task.Delay(50, cancellationToken);
        }

        await DisposeAsync();
        throw new LoadRunFailedException($"{Kind.Label()} did not answer {what} within {StartTimeout.TotalSeconds} s:\n{OutputTail}");
    }

    private static async Task<bool> HealthyAsync(int adminPort)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(1) };
        try
        {
            using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{adminPort}/healthz"));
            return response.IsSuccessStatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    private static async Task<bool> AcceptsAsync(int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), timeout.Token);
            return true;
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>A port free right now on 127.0.0.1 (the kernel's pick for port 0).</summary>
    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <summary>
    /// The broker built in Release beside this tool's sources: <c>&lt;repo&gt;/Broker/bin/Release/net10.0/MasterSocket.Broker.dll</c>;
    /// built with <c>dotnet build -c Release</c> if it is not there.
    /// </summary>
    private static async Task<string> FindOrBuildBrokerAsync(CancellationToken cancellationToken)
    {
        var root = FindRepositoryRoot() ?? throw new LoadRunFailedException(
            "cannot find the repository (MasterSocket.sln) above this tool or the current directory: pass --broker-dll PATH");
        var dll = Path.Combine(root, "Broker", "bin", "Release", "net10.0", "MasterSocket.Broker.dll");
        if (File.Exists(dll))
        {
            return dll;
        }

        Console.WriteLine($"building the broker: dotnet build -c Release {Path.Combine(root, "Broker")}");
        using var build = Process.Start(new ProcessStartInfo("dotnet", ["build", "-c", "Release", Path.Combine(root, "Broker", "Broker.csproj"), "-v", "quiet", "-nologo"])
        {
            UseShellExecute = false,
        }) ?? throw new LoadRunFailedException("could not run dotnet build");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(10));
        await build.WaitForExitAsync(timeout.Token);
        return build.ExitCode == 0 && File.Exists(dll) ? dll : throw new LoadRunFailedException($"building the broker failed (exit {build.ExitCode})");
    }

    private static string? FindRepositoryRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "MasterSocket.sln")))
                {
                    return directory.FullName;
                }
            }
        }

        return null;
    }

    private static void HookExit()
    {
        if (Interlocked.Exchange(ref s_hooked, 1) != 0)
        {
            return;
        }

        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
        Console.CancelKeyPress += (_, _) => KillAll();
    }

    private static void KillAll()
    {
        lock (Children)
        {
            foreach (var child in Children)
            {
                try
                {
                    child.Kill(entireProcessTree: true);
                }
                catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
                {
                }
            }

            Children.Clear();
        }
    }
}
