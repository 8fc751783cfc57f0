/// The fictitious county every sample uses: its unit code, a neighbour, and the programme of the sample batches.
public enum Sample {
    public static let homeUnit = "430626"
    public static let neighbourUnit = "430611"
    public static let program = "寄宿生生活补助"
}
