/*
 *
 * ACPI Data Table [SRAT]
 *
 * Format: [HexOffset DecimalOffset ByteLength]  FieldName : FieldValue
 */

[000h 0000   4]                    Signature : "SRAT"    [System Resource Affinity Table]
[004h 0004   4]                 Table Length : 000001CC
[008h 0008   1]                     Revision : 03
[009h 0009   1]                     Checksum : 7E
[00Ah 0010   6]                       Oem ID : "BOCHS "
[010h 0016   8]                 Oem Table ID : "BXPC    "
[018h 0024   4]                 Oem Revision : 00000001
[01Ch 0028   4]              Asl Compiler ID : "BXPC"
[020h 0032   4]        Asl Compiler Revision : 00000001

[024h 0036   4]               Table Revision : 00000001
[028h 0040   8]                     Reserved : 0000000000000000

[030h 0048   1]                Subtable Type : 03 [GICC Affinity]
[031h 0049   1]                       Length : 12

[032h 0050   4]             Proximity Domain : 00000000
[036h 0054   4]           Acpi Processor UID : 00000000
[03Ah 0058   4]        Flags (decoded below) : 00000001
                                     Enabled : 1
[03Eh 0062   4]                 Clock Domain : 00000000

[042h 0066   1]                Subtable Type : 03 [GICC Affinity]
[043h 0067   1]                       Length : 12

[044h 0068   4]             Proximity Domain : 00000000
[048h 0072   4]           Acpi Processor UID : 00000001
[04Ch 0076   4]        Flags (decoded below) : 00000001
                                     Enabled : 1
[050h 0080   4]                 Clock Domain : 00000000

[054h 0084   1]                Subtable Type : 01 [Memory Affinity]
[055h 0085   1]                       Length : 28

[056h 0086   4]             Proximity Domain : 00000000
[05Ah 0090   2]                    Reserved1 : 0000
[05Ch 0092   8]                 Base Address : 0000000040000000
[064h 0100   8]               Address Length : 0000000040000000
[06Ch 0108   4]                    Reserved2 : 00000000
[070h 0112   4]        Flags (decoded below) : 00000001
                                     Enabled : 1
                               Hot Pluggable : 0
                                Non-Volatile : 0
[074h 0116   8]                    Reserved3 : 0000000000000000

[07Ch 0124   1]                Subtable Type : 05 [Generic Initiator Affinity]
[07Dh 0125   1]                       Length : 20

[07Eh 0126   1]                    Reserved1 : 00
[07Fh 0127   1]           Device Handle Type : 01
[080h 0128   4]             Proximity Domain : 00000001
[084h 0132  16]                Device Handle : 00 00 00 10 00 00 00 00 00 00 00 00 00 00 00 00
[094h 0148   4]        Flags (decoded below) : 00000001
                                     Enabled : 1
[098h 0152   4]                    Reserved2 : 00000000

[09Ch 0156   1]                Subtable Type : 05 [Generic Initiator Affinity]
[09Dh 0157   1]                       Length : 20

[09Eh 0158   1]                    Reserved1 : 00
[09Fh 0159   1]           Device Handle Type : 01
[0A0h 0160   4]             Proximity Domain : 00000002
[0A4h 0164  16]                Device Handle : 00 00 00 10 00 00 00 00 00 00 00 00 00 00 00 00
[0B4h 0180   4]        Flags (decoded below) : 00000001
                                     Enabled : 1
[0B8h 0184   4]                    Reserved2 : 00000000

[0BCh 0188   1]                Subtable Type : 05 [Generic Initiator Affinity]
[0BDh 0189   1]                       Length : 20

[0BEh 0190   1]                    Reserved1 : 00
[0BFh 0191   1]           Device Handle Type : 01
[0C0h 0192   4]             Proximity Domain : 00000003
[0C4h 0196  16]                Device Handle : 00 00 00 10 00 00 00 00 00 00 00 00 00 00 00 00
[0D4h 0212   4]        Flags (decoded below) : 00000001
                                     Enabled : 1
[0D8h 0216   4]                    Reserved2 : 00000000

[0DCh 0220   1]                Subtable Type : 05 [Generic Initiator Affinity]
[0DDh 0221   1]                       Length : 20

[0DEh 0222   1]                    Reserved1 : 00
[0DFh 0223   1]           Device Handle Type : 01
[0E0h 0224   4]             Proximity Domain : 00000004
[0E4h 0228  16]                Device Handle : 00 00 00 10 00 00 00 00 00 00 00 00 00 00 00 00
[0F4h 0244   4]        Flags (decoded below) : 00000001
                                     Enabled : 1
[0F8h 0248   4]                    Reserved2 : 00000000

[0FCh 0252   1]                Subtable Type : 05 [Generic Initiator Affinity]
[0FDh 0253   1]                       Length : 20

[0FEh 0254   1]                    Reserved1 : 00
[0FFh 0255   1]           Device Handle Type : 01
[100h 0256   4]             Proximity Domain : 00000005
[104h 0260  16]                Device Handle : 00 00 00 10 00 00 00 00 00 00 00 00 00 00 00 00
[114h 0276   4]        Flags (decoded below) : 00000001
                                     Enabled : 1
[118h 0280   4]                    Reserved2 : 00000000

[11Ch 0284   1]                Subtable Type : 05 [Generic Initiator Affinity]
[11Dh 0285   1]                       Length : 20

[11Eh 0286   1]                    Reserved1 : 00
[11Fh 0287   1]           Device Handle Type : 01
[120h 0288   4]             Proximity Domain : 00000006
[124h 0292  16]                Device Handle : 00 00 00 10 00 00 00 00 00 00 00 00 00 00 00 00
[134h 0308   4]        Flags (decoded below) : 00000001
                                     Enabled : 1
[138h 0312   4]                    Reserved2 : 00000000

[13Ch 0316   1]                Subtable Type : 05 [Generic Initiator Affinity]
[13Dh 0317   1]                       Length : 20

[13Eh 0318   1]                    Reserved1 : 00
[13Fh 0319   1]           Device Handle Type : 01
[140h 0320   4]             Proximity Domain : 00000007
[144h 0324  16]                Device Handle : 00 00 00 10 00 00 00 00 00 00 00 00 00 00 00 00
[154h 0340   4]        Flags (decoded below) : 00000001
                                     Enabled : 1
[158h 0344   4]                    Reserved2 : 00000000

[15Ch 0348   1]                Subtable Type : 05 [Generic Initiator Affinity]
[15Dh 0349   1]                       Length : 20

[15Eh 0350   1]                    Reserved1 : 00
[15Fh 0351   1]           Device Handle Type : 01
[160h 0352   4]             Proximity Domain : 00000008
[164h 0356  16]                Device Handle : 00 00 00 10 00 00 00 00 00 00 00 00 00 00 00 00
[174h 0372   4]        Flags (decoded below) : 00000001
                                     Enabled : 1
[178h 0376   4]                    Reserved2 : 00000000

[17Ch 0380   1]                Subtable Type : 01 [Memory Affinity]
[17Dh 0381   1]                       Length : 28

[17Eh 0382   4]             Proximity Domain : 00000001
[182h 0386   2]                    Reserved1 : 0000
[184h 0388   8]                 Base Address : 0000000080000000
[18Ch 0396   8]               Address Length : 0000000040000000
[194h 0404   4]                    Reserved2 : 00000000
[198h 0408   4]        Flags (decoded below) : 00000003
                                     Enabled : 1
                               Hot Pluggable : 1
                                Non-Volatile : 0
[19Ch 0412   8]                    Reserved3 : 0000000000000000

[1A4h 0420   1]                Subtable Type : 01 [Memory Affinity]
[1A5h 0421   1]                       Length : 28

[1A6h 0422   4]             Proximity Domain : 00000000
[1AAh 0426   2]                    Reserved1 : 0000
[1ACh 0428   8]                 Base Address : 00000000C0000000
[1B4h 0436   8]               Address Length : 0000000080000000
[1BCh 0444   4]                    Reserved2 : 00000000
[1C0h 0448   4]        Flags (decoded below) : 00000003
                                     Enabled : 1
                               Hot Pluggable : 1
                                Non-Volatile : 0
[1C4h 0452   8]                    Reserved3 : 0000000000000000

Raw Table Data: Length 460 (0x1CC)

    0000: 53 52 41 54 CC 01 00 00 03 7E 42 4F 43 48 53 20  // SRAT.....~BOCHS 
    0010: 42 58 50 43 20 20 20 20 01 00 00 00 42 58 50 43  // BXPC    ....BXPC
    0020: 01 00 00 00 01 00 00 00 00 00 00 00 00 00 00 00  // ................
    0030: 03 12 00 00 00 00 00 00 00 00 01 00 00 00 00 00  // ................
    0040: 00 00 03 12 00 00 00 00 01 00 00 00 01 00 00 00  // ................
    0050: 00 00 00 00 01 28 00 00 00 00 00 00 00 00 00 40  // .....(.........@
    0060: 00 00 00 00 00 00 00 40 00 00 00 00 00 00 00 00  // .......@........
    0070: 01 00 00 00 00 00 00 00 00 00 00 00 05 20 00 01  // ............. ..
    0080: 01 00 00 00 00 00 00 10 00 00 00 00 00 00 00 00  // ................
    0090: 00 00 00 00 01 00 00 00 00 00 00 00 05 20 00 01  // ............. ..
    00A0: 02 00 00 00 00 00 00 10 00 00 00 00 00 00 00 00  // ................
    00B0: 00 00 00 00 01 00 00 00 00 00 00 00 05 20 00 01  // ............. ..
    00C0: 03 00 00 00 00 00 00 10 00 00 00 00 00 00 00 00  // ................
    00D0: 00 00 00 00 01 00 00 00 00 00 00 00 05 20 00 01  // ............. ..
    00E0: 04 00 00 00 00 00 00 10 00 00 00 00 00 00 00 00  // ................
    00F0: 00 00 00 00 01 00 00 00 00 00 00 00 05 20 00 01  // ............. ..
    0100: 05 00 00 00 00 00 00 10 00 00 00 00 00 00 00 00  // ................
    0110: 00 00 00 00 01 00 00 00 00 00 00 00 05 20 00 01  // ............. ..
    0120: 06 00 00 00 00 00 00 10 00 00 00 00 00 00 00 00  // ................
    0130: 00 00 00 00 01 00 00 00 00 00 00 00 05 20 00 01  // ............. ..
    0140: 07 00 00 00 00 00 00 10 00 00 00 00 00 00 00 00  // ................
    0150: 00 00 00 00 01 00 00 00 00 00 00 00 05 20 00 01  // ............. ..
    0160: 08 00 00 00 00 00 00 10 00 00 00 00 00 00 00 00  // ................
    0170: 00 00 00 00 01 00 00 00 00 00 00 00 01 28 01 00  // .............(..
    0180: 00 00 00 00 00 00 00 80 00 00 00 00 00 00 00 40  // ...............@
    0190: 00 00 00 00 00 00 00 00 03 00 00 00 00 00 00 00  // ................
    01A0: 00 00 00 00 01 28 00 00 00 00 00 00 00 00 00 C0  // .....(..........
    01B0: 00 00 00 00 00 00 00 80 00 00 00 00 00 00 00 00  // ................
    01C0: 03 00 00 00 00 00 00 00 00 00 00 00              // ............
