using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using MasterSocket.Broker.Transport;

namespace MasterSocket.Benchmarks.Micro;

/// <summary>
/// One gathered send of <see cref="Frames"/> 230-byte frames to a loopback TCP peer that a
/// background thread drains: the broker's <see cref="SocketSender"/> with the native
/// <c>sendmsg</c> (<see cref="NativeSocket"/>) against .NET's buffer-list send, which pins each
/// buffer with a GC handle and, past 8 buffers, allocates two arrays per call. Includes the
/// kernel's work for the bytes (the copy and loopback delivery), which both pay alike.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class SendBenchmarks
{
    private readonly List<OutboundFrame> _frames = [];
    private Socket _sending = null!;
    private Socket _receiving = null!;
    private Thread _drain = null!;
    private SocketSender _sender = null!;

    [Params(1, 8, 100)]
    public int Frames { get; set; }

    [Params(true, false)]
    public bool Native { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        _sending = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        _sending.Connect(listener.LocalEndPoint!);
        _receiving = listener.Accept();
        _drain = new Thread(Drain) { IsBackground = true };
        _drain.Start();

        for (var i = 0; i < Frames; i++)
        {
            var frame = OutboundFrame.Rent();
            frame.GetSpan(230)[..230].Fill((byte)i);
            frame.Advance(230);
            _frames.Add(frame);
        }

        SocketSender.UseNativeSend = Native && NativeSocket.IsSupported;
        _sender = SocketSender.Rent();
    }

    [Benchmark]
    public int GatheredSend()
    {
        foreach (var frame in _frames)
        {
            frame.AddReference(); // what the connection's queue holds and the send releases
            _sender.Add(frame);
        }

        var send = _sender.SendAsync(_sending);
        var sent = send.IsCompletedSuccessfully ? send.Result : send.AsTask().GetAwaiter().GetResult();
        _sender.ReleaseFrames();
        return sent;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        SocketSender.UseNativeSend = NativeSocket.IsSupported;
        _sender.Return();
        _sending.Dispose();
        _receiving.Dispose();
        foreach (var frame in _frames)
        {
            frame.Release();
        }
    }

    private void Drain()
    {
        var buffer = new byte[256 * 1024];
        try
        {
            while (_receiving.Receive(buffer) > 0)
            {
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // the benchmark is over
        }
    }
}
