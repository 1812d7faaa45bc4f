/dev/null: test/dts/fixtures/include-in-node.dts test/dts/fixtures/common.dtsi test/dts/fixtures/inc/value.dtsi test/dts/fixtures/inc/props.dtsi
