namespace MasterSocket.Tests.Protocol.Support;

/// <summary>Small random edits of valid input, for the fuzz tests: near-misses find more than random bytes.</summary>
internal static class ByteMutations
{
    /// <summary>
    /// One to three mutations: a flipped bit, a truncation, an inserted byte from
    /// <paramref name="alphabet"/>, a deleted run, a duplicated run.
    /// </summary>
    public static byte[] Mutate(Random random, byte[] bytes, string alphabet)
    {
        var list = new List<byte>(bytes);
        for (var mutations = random.Next(1, 4); mutations > 0; mutations--)
        {
            var position = random.Next(list.Count + 1);
            switch (random.Next(5))
            {
                case 0 when list.Count > 0:
                    list[Math.Min(position, list.Count - 1)] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    list.RemoveRange(position, list.Count - position);
                    break;
                case 2:
                    list.Insert(position, (byte)alphabet[random.Next(alphabet.Length)]);
                    break;
                case 3 when list.Count > 0:
                    var length = Math.Min(random.Next(1, 6), list.Count - Math.Min(position, list.Count - 1));
                    list.RemoveRange(Math.Min(position, list.Count - 1), length);
                    break;
                default:
                    if (position < list.Count)
                    {
                        var count = Math.Min(random.Next(1, 10), list.Count - position);
                        list.InsertRange(random.Next(list.Count + 1), list.GetRange(position, count));
                    }

                    break;
            }
        }

        return [.. list];
    }
}
