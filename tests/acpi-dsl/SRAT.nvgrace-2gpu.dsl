/*
 *
 * ACPI Data Table [SRAT]
 *
 * Format: [HexOffset DecimalOffset ByteLength]  FieldName : FieldValue
 */

[000h 0000   4]                    Signature : "SRAT"    [System Resource Affinity Table]
[004h 0004   4]                 Table Length : 0000031C
[008h 0008   1]                     Revision : 03
[009h 0009   1]                     Checksum : 87
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

[17Ch 0380   1]                Subtable Type : 05 [Generic Initiator Affinity]
[17Dh 0381   1]                       Length : 20

[17Eh 0382   1]                    Reserved1 : 00
[17Fh 0383   1]           Device Handle Type : 01
[180h 0384   4]             Proximity Domain : 00000009
[184h 0388  16]                Device Handle : 00 00 05 00 00 00 00 00 00 00 00 00 00 00 00 00
[194h 0404   4]        Flags (decoded below) : 00000001
                                     Enabled : 1
[198h 0408   4]                    Reserved2 : 00000000

[19Ch 0412   1]                Subtable Type : 05 [Generic Initiator Affinity]
[19Dh 0413   1]                       Length : 20

[19Eh 0414   1]                    Reserved1 : 00
[19Fh 0415   1]           Device Handle Type : 01
[1A0h 0416   4]             Proximity Domain : 0000000A
[1A4h 0420  16]                Device Handle : 00 00 05 00 00 00 00 00 00 00 00 00 00 00 00 00
[1B4h 0436   4]        Flags (decoded below) : 00000001
                                     Enabled : 1
[1B8h 0440   4]                    Reserved2 : 00000000

[1BCh 0444   1]                Subtable Type : 05 [Generic Initiator Affinity]
[1BDh 0445   1]                       Length : 20

[1BEh 0446   1]                    Reserved1 : 00
[1BFh 0447   1]           Device Handle Type : 01
[1C0h 0448   4]             Proximity Domain : 0000000B
[1C4h 0452  16]                Device Handle : 00 00 05 00 00 00 00 00 00 00 00 00 00 00 00 00
[1D4h 0468   4]        Flags (decoded below) : 00000001
                                     Enabled : 1
[1D8h 0472   4]                    Reserved2 : 00000000

[1DCh 0476   1]                Subtable Type : 05 [Generic Initiator Affinity]
[1DDh 0477   1]                       Length : 20

[1DEh 0478   1]                    Reserved1 : 00
[1DFh 0479   1]           Device Handle Type : 01
[1E0h 0480   4]             Proximity Domain : 0000000C
[1E4h 0484  16]                Device Handle : 00 00 05 00 00 00 00 00 00 00 00 00 00 00 00 00
[1F4h 0500   4]        Flags (decoded below) : 00000001
                                     Enabled : 1
[1F8h 0504   4]                    Reserved2 : 00000000

[1FCh 0508   1]                Subtable Type : 05 [Generic Initiator Affinity]
[1FDh 0509   1]                       Length : 20

[1FEh 0510   1]                    Reserved1 : 00
[1FFh 0511   1]           Device Handle Type : 01
[200h 0512   4]             Proximity Domain : 0000000D
[204h 0516  16]                Device Handle : 00 00 05 00 00 00 00 00 00 00 00 00 00 00 00 00
[214h 0532   4]        Flags (decoded below) : 00000001
                                     Enabled : 1
[218h 0536   4]                    Reserved2 : 00000000

[21Ch 0540   1]                Subtable Type : 05 [Generic Initiator Affinity]
[21Dh 0541   1]                       Length : 20

[21Eh 0542   1]                    Reserved1 : 00
[21Fh 0543   1]           Device Handle Type : 01
[220h 0544   4]             Proximity Domain : 0000000E
[224h 0548  16]                Device Handle : 00 00 05 00 00 00 00 00 00 00 00 00 00 00 00 00
[234h 0564   4]        Flags (decoded below) : 00000001
                                     Enabled : 1
[238h 0568   4]                    Reserved2 : 00000000

[23Ch 0572   1]                Subtable Type : 05 [Generic Initiator Affinity]
[23Dh 0573   1]                       Length : 20

[23Eh 0574   1]                    Reserved1 : 00
[23Fh 0575   1]           Device Handle Type : 01
[240h 0576   4]             Proximity Domain : 0000000F
[244h 0580  16]                Device Handle : 00 00 05 00 00 00 00 00 00 00 00 00 00 00 00 00
[254h 0596   4]        Flags (decoded below) : 00000001
                                     Enabled : 1
[258h 0600   4]                    Reserved2 : 00000000

[25Ch 0604   1]                Subtable Type : 05 [Generic Initiator Affinity]
[25Dh 0605   1]                       Length : 20

[25Eh 0606   1]                    Reserved1 : 00
[25Fh 0607   1]           Device Handle Type : 01
[260h 0608   4]             Proximity Domain : 00000010
[264h 0612  16]                Device Handle : 00 00 05 00 00 00 00 00 00 00 00 00 00 00 00 00
[274h 0628   4]        Flags (decoded below) : 00000001
                                     Enabled : 1
[278h 0632   4]                    Reserved2 : 00000000

[27Ch 0636   1]                Subtable Type : 01 [Memory Affinity]
[27Dh 0637   1]                       Length : 28

[27Eh 0638   4]             Proximity Domain : 00000001
[282h 0642   2]                    Reserved1 : 0000
[284h 0644   8]                 Base Address : 0000000080000000
[28Ch 0652   8]               Address Length : 0000000040000000
[294h 0660   4]                    Reserved2 : 00000000
[298h 0664   4]        Flags (decoded below) : 00000003
                                     Enabled : 1
                               Hot Pluggable : 1
                                Non-Volatile : 0
[29Ch 0668   8]                    Reserved3 : 0000000000000000

[2A4h 0676   1]                Subtable Type : 01 [Memory Affinity]
[2A5h 0677   1]                       Length : 28

[2A6h 0678   4]             Proximity Domain : 00000009
[2AAh 0682   2]                    Reserved1 : 0000
[2ACh 0684   8]                 Base Address : 0000000100000000
[2B4h 0692   8]               Address Length : 0000000080000000
[2BCh 0700   4]                    Reserved2 : 00000000
[2C0h 0704   4]        Flags (decoded below) : 00000001
                                     Enabled : 1
                               Hot Pluggable : 0
                                Non-Volatile : 0
[2C4h 0708   8]                    Reserved3 : 0000000000000000

[2CCh 0716   1]                Subtable Type : 01 [Memory Affinity]
[2CDh 0717   1]                       Length : 28

[2CEh 0718   4]             Proximity Domain : 00000000
[2D2h 0722   2]                    Reserved1 : 0000
[2D4h 0724   8]                 Base Address : 00000000C0000000
[2DCh 0732   8]               Address Length : 0000000040000000
[2E4h 0740   4]                    Reserved2 : 00000000
[2E8h 0744   4]        Flags (decoded below) : 00000003
                                     Enabled : 1
                               Hot Pluggable : 1
                                Non-Volatile : 0
[2ECh 0748   8]                    Reserved3 : 0000000000000000

[2F4h 0756   1]                Subtable Type : 01 [Memory Affinity]
[2F5h 0757   1]                       Length : 28

[2F6h 0758   4]             Proximity Domain : 00000000
[2FAh 0762   2]                    Reserved1 : 0000
[2FCh 0764   8]                 Base Address : 0000000180000000
[304h 0772   8]               Address Length : 00000000C0000000
[30Ch 0780   4]                    Reserved2 : 00000000
[310h 0784   4]        Flags (decoded below) : 00000003
                                     Enabled : 1
                               Hot Pluggable : 1
                                Non-Volatile : 0
[314h 0788   8]                    Reserved3 : 0000000000000000

Raw Table Data: Length 796 (0x31C)

    0000: 53 52 41 54 1C 03 00 00 03 87 42 4F 43 48 53 20  // SRAT......BOCHS 
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
    0170: 00 00 00 00 01 00 00 00 00 00 00 00 05 20 00 01  // ............. ..
    0180: 09 00 00 00 00 00 05 00 00 00 00 00 00 00 00 00  // ................
    0190: 00 00 00 00 01 00 00 00 00 00 00 00 05 20 00 01  // ............. ..
    01A0: 0A 00 00 00 00 00 05 00 00 00 00 00 00 00 00 00  // ................
    01B0: 00 00 00 00 01 00 00 00 00 00 00 00 05 20 00 01  // ............. ..
    01C0: 0B 00 00 00 00 00 05 00 00 00 00 00 00 00 00 00  // ................
    01D0: 00 00 00 00 01 00 00 00 00 00 00 00 05 20 00 01  // ............. ..
    01E0: 0C 00 00 00 00 00 05 00 00 00 00 00 00 00 00 00  // ................
    01F0: 00 00 00 00 01 00 00 00 00 00 00 00 05 20 00 01  // ............. ..
    0200: 0D 00 00 00 00 00 05 00 00 00 00 00 00 00 00 00  // ................
    0210: 00 00 00 00 01 00 00 00 00 00 00 00 05 20 00 01  // ............. ..
    0220: 0E 00 00 00 00 00 05 00 00 00 00 00 00 00 00 00  // ................
    0230: 00 00 00 00 01 00 00 00 00 00 00 00 05 20 00 01  // ............. ..
    0240: 0F 00 00 00 00 00 05 00 00 00 00 00 00 00 00 00  // ................
    0250: 00 00 00 00 01 00 00 00 00 00 00 00 05 20 00 01  // ............. ..
    0260: 10 00 00 00 00 00 05 00 00 00 00 00 00 00 00 00  // ................
    0270: 00 00 00 00 01 00 00 00 00 00 00 00 01 28 01 00  // .............(..
    0280: 00 00 00 00 00 00 00 80 00 00 00 00 00 00 00 40  // ...............@
    0290: 00 00 00 00 00 00 00 00 03 00 00 00 00 00 00 00  // ................
    02A0: 00 00 00 00 01 28 09 00 00 00 00 00 00 00 00 00  // .....(..........
    02B0: 01 00 00 00 00 00 00 80 00 00 00 00 00 00 00 00  // ................
    02C0: 01 00 00 00 00 00 00 00 00 00 00 00 01 28 00 00  // .............(..
    02D0: 00 00 00 00 00 00 00 C0 00 00 00 00 00 00 00 40  // ...............@
    02E0: 00 00 00 00 00 00 00 00 03 00 00 00 00 00 00 00  // ................
    02F0: 00 00 00 00 01 28 00 00 00 00 00 00 00 00 00 80  // .....(..........
    0300: 01 00 00 00 00 00 00 C0 00 00 00 00 00 00 00 00  // ................
    0310: 03 00 00 00 00 00 00 00 00 00 00 00              // ............
