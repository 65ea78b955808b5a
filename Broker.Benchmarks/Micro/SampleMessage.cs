using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.IO.Pipelines;
using System.Text;
using MasterSocket.Protocol.Envelopes;
using MasterSocket.Protocol.WebSockets;

namespace MasterSocket.Benchmarks.Micro;

/// <summary>
/// The one message every codec benchmark uses: a client's EVENT to a group, sent as a masked text
/// frame of exactly <see cref="FrameBytes"/> bytes (8 header bytes: 2 fixed, 2 of 16-bit length,
/// 4 of mask key; then <see cref="PayloadBytes"/> bytes of envelope JSON), all ASCII.
/// </summary>
internal static class SampleMessage
{
    public const int FrameBytes = 200;
    public const int HeaderBytes = 8;
    public const int PayloadBytes = FrameBytes - HeaderBytes;

    /// <summary>Any key will do; this one has four distinct bytes so a misaligned unmask would show.</summary>
    public const uint MaskKey = 0x9E3779B9;

    /// <summary>The sender's client id, which the broker stamps as <c>from</c> on delivery.</summary>
    public static ReadOnlySpan<byte> From => "client-7f3a9c"u8;

    /// <summary>The raw <c>id</c> token of a client's PING, echoed in the broker's PONG.</summary>
    public static ReadOnlySpan<byte> PingId => "\"hb-000917\""u8;

    /// <summary>The envelope JSON, unmasked: <see cref="PayloadBytes"/> bytes.</summary>
    public static byte[] Payload()
    {
        const string head = "{\"id\":\"m-000042\",\"op\":0,\"event\":\"chat.message\",\"data\":{\"room\":\"lobby\",\"seq\":42,\"text\":\"";
        const string tail = "\"},\"intent\":{\"target\":\"GROUP\",\"identifier\":\"lobby\"}}";
        var filler = new StringBuilder();
        while (filler.Length < PayloadBytes - head.Length - tail.Length)
        {
            filler.Append("the quick brown fox jumps over the lazy dog ");
        }

        var json = head + filler.ToString(0, PayloadBytes - head.Length - tail.Length) + tail;
        var bytes = Encoding.UTF8.GetBytes(json);
        Check(bytes.Length == PayloadBytes, $"payload is {bytes.Length} bytes, expected {PayloadBytes}");
        Check(EnvelopeReader.TryRead(bytes, out var envelope, out var error), $"sample envelope refused: {error.Message}");
        Check(envelope is { Op: OpCode.Event, Target: Target.Group }, "sample envelope is not a GROUP EVENT");
        return bytes;
    }

    /// <summary>The whole masked frame, as a client sends it: <see cref="FrameBytes"/> bytes.</summary>
    public static byte[] MaskedFrame()
    {
        var writer = new ArrayBufferWriter<byte>(FrameBytes);
        FrameWriter.WriteMasked(writer, FrameOpcode.Text, Payload(), MaskKey);
        Check(writer.WrittenCount == FrameBytes, $"frame is {writer.WrittenCount} bytes, expected {FrameBytes}");
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Flushes a pipe whose reader runs inline and which never pauses its writer, as the broker's do:
    /// the flush completes at once, and a benchmark that finds otherwise stops.
    /// </summary>
    public static void FlushNow(PipeWriter writer)
    {
        var flush = writer.FlushAsync();
        if (!flush.IsCompletedSuccessfully)
        {
            Fail("the flush did not complete synchronously");
        }
        else
        {
            _ = flush.Result;
        }
    }

    /// <summary>Stops a benchmark whose input went wrong, so it cannot report the speed of an error path.</summary>
    public static void Check([DoesNotReturnIf(false)] bool condition, string what)
    {
        if (!condition)
        {
            Fail(what);
        }
    }

    [DoesNotReturn]
    public static void Fail(string what) => throw new InvalidOperationException(what);
}
