/dev/null: test/dts/fixtures/include-basic.dts test/dts/fixtures/inc/board-base.dtsi test/dts/fixtures/inc/soc.dtsi test/dts/fixtures/inc/sub/uart.dtsi test/dts/fixtures/common.dtsi
