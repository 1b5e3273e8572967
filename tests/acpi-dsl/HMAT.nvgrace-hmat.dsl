/*
 *
 * ACPI Data Table [HMAT]
 *
 * Format: [HexOffset DecimalOffset ByteLength]  FieldName : FieldValue
 */

[000h 0000   4]                    Signature : "HMAT"    [Heterogeneous Memory Attributes Table]
[004h 0004   4]                 Table Length : 0000010C
[008h 0008   1]                     Revision : 02
[009h 0009   1]                     Checksum : 92
[00Ah 0010   6]                       Oem ID : "BOCHS "
[010h 0016   8]                 Oem Table ID : "BXPC    "
[018h 0024   4]                 Oem Revision : 00000001
[01Ch 0028   4]              Asl Compiler ID : "BXPC"
[020h 0032   4]        Asl Compiler Revision : 00000001

[024h 0036   4]                     Reserved : 00000000

[028h 0040   2]               Structure Type : 0000 [Memory Proximity Domain Attributes]
[02Ah 0042   2]                     Reserved : 0000
[02Ch 0044   4]                       Length : 00000028
[030h 0048   2]        Flags (decoded below) : 0001
            Processor Proximity Domain Valid : 1
[032h 0050   2]                    Reserved1 : 0000
[034h 0052   4] Attached Initiator Proximity Domain : 00000000
[038h 0056   4]      Memory Proximity Domain : 00000000
[03Ch 0060   4]                    Reserved2 : 00000000
[040h 0064   8]                    Reserved3 : 0000000000000000
[048h 0072   8]                    Reserved4 : 0000000000000000

[050h 0080   2]               Structure Type : 0000 [Memory Proximity Domain Attributes]
[052h 0082   2]                     Reserved : 0000
[054h 0084   4]                       Length : 00000028
[058h 0088   2]        Flags (decoded below) : 0001
            Processor Proximity Domain Valid : 1
[05Ah 0090   2]                    Reserved1 : 0000
[05Ch 0092   4] Attached Initiator Proximity Domain : 00000000
[060h 0096   4]      Memory Proximity Domain : 00000001
[064h 0100   4]                    Reserved2 : 00000000
[068h 0104   8]                    Reserved3 : 0000000000000000
[070h 0112   8]                    Reserved4 : 0000000000000000

[078h 0120   2]               Structure Type : 0001 [System Locality Latency and Bandwidth Information]
[07Ah 0122   2]                     Reserved : 0000
[07Ch 0124   4]                       Length : 0000004A
[080h 0128   1]        Flags (decoded below) : 00
                            Memory Hierarchy : 0
[081h 0129   1]                    Data Type : 00
[082h 0130   2]                    Reserved1 : 0000
[084h 0132   4] Initiator Proximity Domains # : 00000003
[088h 0136   4]   Target Proximity Domains # : 00000003
[08Ch 0140   4]                    Reserved2 : 00000000
[090h 0144   8]              Entry Base Unit : 0000000000002710
[098h 0152   4] Initiator Proximity Domain List : 00000000
[09Ch 0156   4] Initiator Proximity Domain List : 00000001
[0A0h 0160   4] Initiator Proximity Domain List : 00000002
[0A4h 0164   4] Target Proximity Domain List : 00000000
[0A8h 0168   4] Target Proximity Domain List : 00000001
[0ACh 0172   4] Target Proximity Domain List : 00000002
[0B0h 0176   2]                        Entry : 0001
[0B2h 0178   2]                        Entry : 0014
[0B4h 0180   2]                        Entry : 0000
[0B6h 0182   2]                        Entry : 0000
[0B8h 0184   2]                        Entry : 0000
[0BAh 0186   2]                        Entry : 0000
[0BCh 0188   2]                        Entry : 0000
[0BEh 0190   2]                        Entry : 0000
[0C0h 0192   2]                        Entry : 0000

[0C2h 0194   2]               Structure Type : 0001 [System Locality Latency and Bandwidth Information]
[0C4h 0196   2]                     Reserved : 0000
[0C6h 0198   4]                       Length : 0000004A
[0CAh 0202   1]        Flags (decoded below) : 00
                            Memory Hierarchy : 0
[0CBh 0203   1]                    Data Type : 03
[0CCh 0204   2]                    Reserved1 : 0000
[0CEh 0206   4] Initiator Proximity Domains # : 00000003
[0D2h 0210   4]   Target Proximity Domains # : 00000003
[0D6h 0214   4]                    Reserved2 : 00000000
[0DAh 0218   8]              Entry Base Unit : 0000000000000020
[0E2h 0226   4] Initiator Proximity Domain List : 00000000
[0E6h 0230   4] Initiator Proximity Domain List : 00000001
[0EAh 0234   4] Initiator Proximity Domain List : 00000002
[0EEh 0238   4] Target Proximity Domain List : 00000000
[0F2h 0242   4] Target Proximity Domain List : 00000001
[0F6h 0246   4] Target Proximity Domain List : 00000002
[0FAh 0250   2]                        Entry : 1900
[0FCh 0252   2]                        Entry : 0C35
[0FEh 0254   2]                        Entry : 0000
[100h 0256   2]                        Entry : 0000
[102h 0258   2]                        Entry : 0000
[104h 0260   2]                        Entry : 0000
[106h 0262   2]                        Entry : 0000
[108h 0264   2]                        Entry : 0000
[10Ah 0266   2]                        Entry : 0000

Raw Table Data: Length 268 (0x10C)

    0000: 48 4D 41 54 0C 01 00 00 02 92 42 4F 43 48 53 20  // HMAT......BOCHS 
    0010: 42 58 50 43 20 20 20 20 01 00 00 00 42 58 50 43  // BXPC    ....BXPC
    0020: 01 00 00 00 00 00 00 00 00 00 00 00 28 00 00 00  // ............(...
    0030: 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  // ................
    0040: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  // ................
    0050: 00 00 00 00 28 00 00 00 01 00 00 00 00 00 00 00  // ....(...........
    0060: 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  // ................
    0070: 00 00 00 00 00 00 00 00 01 00 00 00 4A 00 00 00  // ............J...
    0080: 00 00 00 00 03 00 00 00 03 00 00 00 00 00 00 00  // ................
    0090: 10 27 00 00 00 00 00 00 00 00 00 00 01 00 00 00  // .'..............
    00A0: 02 00 00 00 00 00 00 00 01 00 00 00 02 00 00 00  // ................
    00B0: 01 00 14 00 00 00 00 00 00 00 00 00 00 00 00 00  // ................
    00C0: 00 00 01 00 00 00 4A 00 00 00 00 03 00 00 03 00  // ......J.........
    00D0: 00 00 03 00 00 00 00 00 00 00 20 00 00 00 00 00  // .......... .....
    00E0: 00 00 00 00 00 00 01 00 00 00 02 00 00 00 00 00  // ................
    00F0: 00 00 01 00 00 00 02 00 00 00 00 19 35 0C 00 00  // ............5...
    0100: 00 00 00 00 00 00 00 00 00 00 00 00              // ............
