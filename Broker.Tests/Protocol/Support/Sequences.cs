using System.Buffers;

namespace MasterSocket.Tests.Protocol.Support;

/// <summary>Builds multi-segment <see cref="ReadOnlySequence{T}"/>s, the shape a PipeReader hands out.</summary>
internal static class Sequences
{
    /// <summary>
    /// <paramref name="bytes"/> as one sequence cut at <paramref name="offsets"/> (ascending; a repeated
    /// offset makes an empty segment). The segments share <paramref name="bytes"/>: nothing is copied, so
    /// in-place unmasking shows in the array.
    /// </summary>
    public static ReadOnlySequence<byte> SplitAt(byte[] bytes, params int[] offsets) => FromSegments(Pieces(bytes, offsets));

    /// <summary>Every byte in its own segment.</summary>
    public static ReadOnlySequence<byte> OneByteSegments(byte[] bytes) =>
        SplitAt(bytes, Enumerable.Range(1, Math.Max(0, bytes.Length - 1)).ToArray());

    /// <summary><paramref name="bytes"/> cut at <paramref name="offsets"/>, as pieces of the same array.</summary>
    public static List<ReadOnlyMemory<byte>> Pieces(byte[] bytes, IReadOnlyList<int> offsets)
    {
        var pieces = new List<ReadOnlyMemory<byte>>();
        var start = 0;
        foreach (var offset in offsets)
        {
            pieces.Add(bytes.AsMemory(start, offset - start));
            start = offset;
        }

        pieces.Add(bytes.AsMemory(start));
        return pieces;
    }

    /// <summary>Up to <paramref name="maxCuts"/> ascending cut offsets in 0..length (repeats allowed).</summary>
    public static int[] RandomOffsets(Random random, int length, int maxCuts)
    {
        var cuts = new int[random.Next(maxCuts + 1)];
        for (var i = 0; i < cuts.Length; i++)
        {
            cuts[i] = random.Next(length + 1);
        }

        Array.Sort(cuts);
        return cuts;
    }

    public static ReadOnlySequence<byte> FromSegments(IEnumerable<ReadOnlyMemory<byte>> pieces)
    {
        Segment? first = null;
        Segment? last = null;
        foreach (var piece in pieces)
        {
            var segment = new Segment(piece, last is null ? 0 : last.RunningIndex + last.Memory.Length);
            if (last is null)
            {
                first = segment;
            }
            else
            {
                last.SetNext(segment);
            }

            last = segment;
        }

        return first is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(first, 0, last!, last!.Memory.Length);
    }

    /// <summary>
    /// A new sequence holding the bytes of <paramref name="sequence"/> followed by <paramref name="more"/>,
    /// over the same memory: what a PipeReader returns after more data arrives behind unconsumed bytes.
    /// </summary>
    public static ReadOnlySequence<byte> Append(ReadOnlySequence<byte> sequence, IEnumerable<ReadOnlyMemory<byte>> more)
    {
        var pieces = new List<ReadOnlyMemory<byte>>();
        foreach (var memory in sequence)
        {
            pieces.Add(memory);
        }

        pieces.AddRange(more);
        return FromSegments(pieces);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public void SetNext(Segment next) => Next = next;
    }
}
