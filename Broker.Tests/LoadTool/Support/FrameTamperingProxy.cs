using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using MasterSocket.Protocol.WebSockets;

namespace MasterSocket.Tests.LoadTool.Support;

/// <summary>What <see cref="FrameTamperingProxy"/> does to the one frame it picks on each connection.</summary>
public enum FrameFault
{
    /// <summary>The frame never reaches the client: a lost message.</summary>
    Drop,

    /// <summary>The frame reaches the client twice: a duplicated message.</summary>
    Duplicate,
}

/// <summary>
/// A loopback TCP proxy in front of a real broker that passes everything through, except that on
/// every connection it drops or doubles the Nth WebSocket frame the broker sends after the upgrade
/// response. It stands for a broker that loses or repeats a message, so a test can show the load
/// tool refuses to print a rate for such a run.
/// </summary>
public sealed class FrameTamperingProxy : IAsyncDisposable
{
    private static readonly byte[] EndOfHeaders = "\r\n\r\n"u8.ToArray();

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _upstream;
    private readonly FrameFault _fault;
    private readonly int _frameNumber;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _tasks = [];
    private int _tampered;

    public FrameTamperingProxy(IPEndPoint upstream, FrameFault fault, int frameNumber)
    {
        _upstream = upstream;
        _fault = fault;
        _frameNumber = frameNumber;
        _listener.Start();
        _tasks.Add(AcceptAsync());
    }

    public Uri WebSocketUri => new($"ws://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/ws");

    /// <summary>How many frames were dropped or doubled so far (one per connection that got that far).</summary>
    public int Tampered => Volatile.Read(ref _tampered);

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            lock (_tasks)
            {
                _tasks.Add(RelayAsync(client));
            }
        }
    }

    private async Task RelayAsync(Socket client)
    {
        using var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        client.NoDelay = true;
        await using var clientStream = new NetworkStream(client, ownsSocket: true);
        try
        {
            await upstream.ConnectAsync(_upstream, _stop.Token);
            await using var upstreamStream = new NetworkStream(upstream, ownsSocket: false);
            using var connection = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            var toBroker = clientStream.CopyToAsync(upstreamStream, connection.Token);
            var toClient = TamperAsync(PipeReader.Create(upstreamStream), clientStream, connection.Token);
            await Task.WhenAny(toBroker, toClient);
            await connection.CancelAsync();
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
        }
    }

    /// <summary>Copies the upgrade response as it is, then whole frames, tampering with the chosen one.</summary>
    private async Task TamperAsync(PipeReader broker, Stream client, CancellationToken cancellationToken)
    {
        var upgraded = false;
        var frames = 0;
        try
        {
            while (true)
            {
                var read = await broker.ReadAsync(cancellationToken);
                var buffer = read.Buffer;
                while (true)
                {
                    if (!upgraded)
                    {
                        if (EndOfUpgradeResponse(buffer) is not { } end)
                        {
                            break;
                        }

                        await WriteAsync(client, buffer.Slice(0, end), cancellationToken);
                        buffer = buffer.Slice(end);
                        upgraded = true;
                        continue;
                    }

                    if (!FrameHeader.TryParse(buffer, out var header, out _) || buffer.Length < header.HeaderLength + header.PayloadLength)
                    {
                        break;
                    }

                    var frame = buffer.Slice(0, header.HeaderLength + header.PayloadLength);
                    buffer = buffer.Slice(frame.End);
                    frames++;
                    var copies = frames != _frameNumber ? 1 : _fault == FrameFault.Drop ? 0 : 2;
                    if (frames == _frameNumber)
                    {
                        Interlocked.Increment(ref _tampered);
                    }

                    for (var i = 0; i < copies; i++)
                    {
                        await WriteAsync(client, frame, cancellationToken);
                    }
                }

                broker.AdvanceTo(buffer.Start, buffer.End);
                if (read.IsCompleted)
                {
                    return;
                }
            }
        }
        finally
        {
            await broker.CompleteAsync();
        }
    }

    private static SequencePosition? EndOfUpgradeResponse(ReadOnlySequence<byte> buffer)
    {
        var reader = new SequenceReader<byte>(buffer);
        return reader.TryReadTo(out ReadOnlySequence<byte> _, EndOfHeaders) ? reader.Position : null;
    }

    private static async Task WriteAsync(Stream destination, ReadOnlySequence<byte> bytes, CancellationToken cancellationToken)
    {
        foreach (var segment in bytes)
        {
            await destination.WriteAsync(segment, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Task[] tasks;
        lock (_tasks)
        {
            tasks = [.. _tasks];
        }

        await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(10));
        _stop.Dispose();
    }
}
