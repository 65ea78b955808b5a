using System.Diagnostics;

namespace MasterSocket.Benchmarks.Load;

/// <summary>
/// The application payload every scenario sends, the same bytes for both servers: fixed-width
/// lowercase hex fields, then padding, all plain ASCII so it is a valid JSON string body as it is
/// (MasterSocket sends it as <c>"data":"..."</c>; NATS as the message body):
/// <code>
/// sSSSSSSSSqQQQQQQQQQQQQQQQtTTTTTTTTTTTTTTTT....padding....
/// ^0       ^9               ^26             ^43
/// </code>
/// S = sender index, Q = sequence number (from 0 per sender), T = <see cref="Stopwatch.GetTimestamp"/>
/// when the message was written. Senders and receivers live in this one process, so T is comparable.
/// </summary>
public static class Payload
{
    public const int MinimumLength = 64;
    private const int SenderAt = 1;
    private const int SequenceAt = 10;
    private const int TimestampAt = 27;
    private const int HeaderLength = 43;

    /// <summary>Fills <paramref name="destination"/> (the whole payload) for one message.</summary>
    public static void Write(Span<byte> destination, int sender, long sequence, long timestamp)
    {
        destination[0] = (byte)'s';
        WriteHex(destination.Slice(SenderAt, 8), (uint)sender);
        destination[SenderAt + 8] = (byte)'q';
        WriteHex(destination.Slice(SequenceAt, 16), (ulong)sequence);
        destination[SequenceAt + 16] = (byte)'t';
        WriteHex(destination.Slice(TimestampAt, 16), (ulong)timestamp);
    }

    /// <summary>A payload buffer with its padding already in place; only the header changes per message.</summary>
    public static byte[] CreateBuffer(int length)
    {
        var buffer = new byte[length];
        buffer.AsSpan().Fill((byte)'.');
        return buffer;
    }

    /// <summary>Reads the header of a received payload; false if it is not one of ours.</summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, out int sender, out long sequence, out long timestamp)
    {
        sender = 0;
        sequence = 0;
        timestamp = 0;
        if (payload.Length < HeaderLength || payload[0] != 's' || payload[SenderAt + 8] != 'q' || payload[SequenceAt + 16] != 't')
        {
            return false;
        }

        if (!TryReadHex(payload.Slice(SenderAt, 8), out var s) || !TryReadHex(payload.Slice(SequenceAt, 16), out var q) ||
            !TryReadHex(payload.Slice(TimestampAt, 16), out var t))
        {
            return false;
        }

        sender = (int)s;
        sequence = (long)q;
        timestamp = (long)t;
        return true;
    }

    private static void WriteHex(Span<byte> destination, ulong value)
    {
        for (var i = destination.Length - 1; i >= 0; i--)
        {
            var nibble = (int)(value & 0xF);
            destination[i] = (byte)(nibble < 10 ? '0' + nibble : 'a' + nibble - 10);
            value >>= 4;
        }
    }

    private static bool TryReadHex(ReadOnlySpan<byte> text, out ulong value)
    {
        value = 0;
        foreach (var c in text)
        {
            int nibble = c switch
            {
                >= (byte)'0' and <= (byte)'9' => c - '0',
                >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
                _ => -1,
            };
            if (nibble < 0)
            {
                return false;
            }

            value = (value << 4) | (uint)nibble;
        }

        return true;
    }
}
