using System.Buffers;
using System.Text.Unicode;

namespace MasterSocket.Protocol.WebSockets;

/// <summary>
/// Validates UTF-8 that arrives in pieces (pipe segments, message fragments): RFC 6455 section 8.1
/// requires the text of a whole message to be valid, and a code point may be split anywhere.
/// Holds at most three bytes of an unfinished code point between calls; the complete part of each
/// piece is checked with the runtime's vectorised <see cref="Utf8.IsValid(ReadOnlySpan{byte})"/>.
/// A mutable struct: keep it in a field, never copy it.
/// </summary>
public struct Utf8Validator
{
    private uint _pending; // up to 3 bytes of an unfinished code point, first byte lowest
    private int _pendingCount;
    private int _pendingNeeded; // total length of the unfinished code point

    /// <summary>True when no code point is left unfinished.</summary>
    public readonly bool IsComplete => _pendingCount == 0;

    public void Reset() => this = default;

    /// <summary>Checks every byte of a whole message at once.</summary>
    public static bool IsValid(in ReadOnlySequence<byte> bytes)
    {
        if (bytes.IsSingleSegment)
        {
            return Utf8.IsValid(bytes.FirstSpan);
        }

        var validator = default(Utf8Validator);
        foreach (var segment in bytes)
        {
            if (!validator.Append(segment.Span))
            {
                return false;
            }
        }

        return validator.IsComplete;
    }

    /// <summary>
    /// Adds the next piece. Returns false as soon as the bytes seen so far cannot be the start of
    /// valid UTF-8 (fail fast, RFC 6455 section 8.1); an unfinished code point at the end is not an
    /// error here: check <see cref="IsComplete"/> when the message ends.
    /// </summary>
    public bool Append(ReadOnlySpan<byte> bytes)
    {
        if (_pendingCount > 0)
        {
            Span<byte> sequence = stackalloc byte[4];
            for (var i = 0; i < _pendingCount; i++)
            {
                sequence[i] = (byte)(_pending >> (8 * i));
            }

            var take = Math.Min(_pendingNeeded - _pendingCount, bytes.Length);
            bytes[..take].CopyTo(sequence[_pendingCount..]);
            var have = _pendingCount + take;
            bytes = bytes[take..];
            if (have < _pendingNeeded)
            {
                if (!IsPlausiblePrefix(sequence[..have]))
                {
                    return false;
                }

                Remember(sequence[..have], _pendingNeeded);
                return true;
            }

            _pendingCount = 0;
            if (!Utf8.IsValid(sequence[..have]))
            {
                return false;
            }
        }

        var complete = CompleteLength(bytes, out var needed);
        if (!Utf8.IsValid(bytes[..complete]))
        {
            return false;
        }

        var tail = bytes[complete..];
        if (tail.IsEmpty)
        {
            return true;
        }

        if (!IsPlausiblePrefix(tail))
        {
            return false;
        }

        Remember(tail, needed);
        return true;
    }

    private void Remember(ReadOnlySpan<byte> prefix, int needed)
    {
        _pending = 0;
        for (var i = 0; i < prefix.Length; i++)
        {
            _pending |= (uint)prefix[i] << (8 * i);
        }

        _pendingCount = prefix.Length;
        _pendingNeeded = needed;
    }

    /// <summary>
    /// Length of the prefix of <paramref name="bytes"/> that ends on a code point boundary, looking
    /// back at most three bytes for the lead byte of a sequence the piece cuts short.
    /// </summary>
    private static int CompleteLength(ReadOnlySpan<byte> bytes, out int needed)
    {
        needed = 0;
        var lookBack = Math.Min(3, bytes.Length);
        for (var back = 1; back <= lookBack; back++)
        {
            var b = bytes[^back];
            if ((b & 0xC0) == 0x80)
            {
                continue; // continuation byte: keep looking for its lead
            }

            var length = SequenceLength(b);
            if (length > back)
            {
                needed = length;
                return bytes.Length - back;
            }

            return bytes.Length; // the last sequence is whole (or invalid, which IsValid reports)
        }

        return bytes.Length;
    }

    /// <summary>Length a lead byte announces; 0 for a byte that can never lead (RFC 3629 section 4).</summary>
    private static int SequenceLength(byte lead) => lead switch
    {
        < 0x80 => 1,
        >= 0xC2 and <= 0xDF => 2,
        >= 0xE0 and <= 0xEF => 3,
        >= 0xF0 and <= 0xF4 => 4,
        _ => 0,
    };

    /// <summary>
    /// True when an unfinished sequence can still become valid: the second byte's range depends on
    /// the lead (no overlongs, no surrogates, nothing above U+10FFFF; RFC 3629 section 4).
    /// </summary>
    private static bool IsPlausiblePrefix(ReadOnlySpan<byte> prefix)
    {
        if (prefix.Length < 2)
        {
            return true;
        }

        var second = prefix[1];
        var secondOk = prefix[0] switch
        {
            0xE0 => second is >= 0xA0 and <= 0xBF,
            0xED => second is >= 0x80 and <= 0x9F,
            0xF0 => second is >= 0x90 and <= 0xBF,
            0xF4 => second is >= 0x80 and <= 0x8F,
            _ => (second & 0xC0) == 0x80,
        };
        return secondOk && (prefix.Length < 3 || (prefix[2] & 0xC0) == 0x80);
    }
}
