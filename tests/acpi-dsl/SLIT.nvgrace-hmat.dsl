/*
 *
 * ACPI Data Table [SLIT]
 *
 * Format: [HexOffset DecimalOffset ByteLength]  FieldName : FieldValue
 */

[000h 0000   4]                    Signature : "SLIT"    [System Locality Information Table]
[004h 0004   4]                 Table Length : 00000035
[008h 0008   1]                     Revision : 01
[009h 0009   1]                     Checksum : 7E
[00Ah 0010   6]                       Oem ID : "BOCHS "
[010h 0016   8]                 Oem Table ID : "BXPC    "
[018h 0024   4]                 Oem Revision : 00000001
[01Ch 0028   4]              Asl Compiler ID : "BXPC"
[020h 0032   4]        Asl Compiler Revision : 00000001

[024h 0036   8]                   Localities : 0000000000000003
[02Ch 0044   3]                 Locality   0 : 0A 15 16
[02Fh 0047   3]                 Locality   1 : 15 0A 17
[032h 0050   3]                 Locality   2 : 16 17 0A

Raw Table Data: Length 53 (0x35)

    0000: 53 4C 49 54 35 00 00 00 01 7E 42 4F 43 48 53 20  // SLIT5....~BOCHS 
    0010: 42 58 50 43 20 20 20 20 01 00 00 00 42 58 50 43  // BXPC    ....BXPC
    0020: 01 00 00 00 03 00 00 00 00 00 00 00 0A 15 16 15  // ................
    0030: 0A 17 16 17 0A                                   // .....
